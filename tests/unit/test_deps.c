/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Proves every library the appliance is built on links and works on this
 * machine, by doing a small real job with each: SRTP protect/unprotect
 * round trip (libsrtp2), Opus encode/decode (libopus), an Ogg/Opus file
 * (libopusenc), DTMF generate/detect (SpanDSP), a RocksDB put/get/reopen.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <opus/opus.h>
#include <opus/opusenc.h>
#include <rocksdb/c.h>
#include <spandsp.h>
#include <srtp2/srtp.h>
#include <rte_version.h>

#include "check.h"

static void
test_srtp(void)
{
	srtp_policy_t pol;
	srtp_t tx = NULL, rx = NULL;
	uint8_t key[30];
	uint8_t pkt[12 + 160 + SRTP_MAX_TRAILER_LEN], orig[12 + 160];
	int len = 12 + 160;

	for (int i = 0; i < 30; i++)
		key[i] = (uint8_t)i;
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x80;
	pkt[3] = 1;
	pkt[11] = 0x42; /* SSRC */
	for (int i = 12; i < len; i++)
		pkt[i] = (uint8_t)(i * 7);
	memcpy(orig, pkt, (size_t)len);

	CHECK(srtp_init() == srtp_err_status_ok, "srtp_init");
	memset(&pol, 0, sizeof(pol));
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
	pol.ssrc.type = ssrc_any_outbound;
	pol.key = key;
	CHECK(srtp_create(&tx, &pol) == srtp_err_status_ok, "srtp_create tx");
	pol.ssrc.type = ssrc_any_inbound;
	CHECK(srtp_create(&rx, &pol) == srtp_err_status_ok, "srtp_create rx");
	CHECK(srtp_protect(tx, pkt, &len) == srtp_err_status_ok, "protect");
	CHECK(len == 12 + 160 + 10, "tag appended, len %d", len);
	CHECK(memcmp(pkt + 12, orig + 12, 160) != 0, "payload encrypted");
	CHECK(srtp_unprotect(rx, pkt, &len) == srtp_err_status_ok, "unprotect");
	CHECK(len == 12 + 160 && memcmp(pkt, orig, 172) == 0, "round trip");
	srtp_dealloc(tx);
	srtp_dealloc(rx);
	srtp_shutdown();
}

static void
test_opus(const char *dir)
{
	int err;
	OpusEncoder *enc = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err);
	OpusDecoder *dec = opus_decoder_create(48000, 1, &err);
	opus_int16 pcm[960], out[960];
	unsigned char buf[400];
	int n;
	char path[512];
	OggOpusComments *com;
	OggOpusEnc *oe;
	struct stat st;

	CHECK(enc != NULL && dec != NULL, "opus create: %d", err);
	for (int i = 0; i < 960; i++)
		pcm[i] = (opus_int16)(8000 * sin(2 * M_PI * 440 * i / 48000.0));
	n = opus_encode(enc, pcm, 960, buf, sizeof(buf));
	CHECK(n > 0, "encode %d", n);
	CHECK(opus_decode(dec, buf, n, out, 960, 0) == 960, "decode");
	opus_encoder_destroy(enc);
	opus_decoder_destroy(dec);

	snprintf(path, sizeof(path), "%s/t.opus", dir);
	com = ope_comments_create();
	oe = ope_encoder_create_file(path, com, 48000, 1, 0, &err);
	CHECK(oe != NULL, "ope_encoder_create_file: %s", ope_strerror(err));
	if (oe != NULL) {
		for (int k = 0; k < 50; k++)
			CHECK(ope_encoder_write(oe, pcm, 960) == OPE_OK, "ope write");
		CHECK(ope_encoder_drain(oe) == OPE_OK, "ope drain");
		ope_encoder_destroy(oe);
	}
	ope_comments_destroy(com);
	CHECK(stat(path, &st) == 0 && st.st_size > 200, "ogg file written");
	{
		FILE *fp = fopen(path, "rb");
		char magic[4] = { 0 };

		CHECK(fp != NULL && fread(magic, 1, 4, fp) == 4 && memcmp(magic, "OggS", 4) == 0,
		      "OggS magic");
		if (fp)
			fclose(fp);
	}
	unlink(path);
}

static char got_digits[32];

static void
on_digits(void *user, const char *digits, int len)
{
	(void)user;
	strncat(got_digits, digits, (size_t)len < sizeof(got_digits) - strlen(got_digits) - 1 ?
		(size_t)len : sizeof(got_digits) - strlen(got_digits) - 1);
}

static void
test_spandsp(void)
{
	dtmf_tx_state_t *tx = dtmf_tx_init(NULL);
	dtmf_rx_state_t *rx = dtmf_rx_init(NULL, on_digits, NULL);
	int16_t amp[160];
	int n;

	CHECK(tx != NULL && rx != NULL, "spandsp init");
	dtmf_tx_put(tx, "159#", -1);
	while ((n = dtmf_tx(tx, amp, 160)) > 0)
		dtmf_rx(rx, amp, n);
	memset(amp, 0, sizeof(amp));
	for (int i = 0; i < 10; i++)
		dtmf_rx(rx, amp, 160);
	CHECK(strcmp(got_digits, "159#") == 0, "detected '%s'", got_digits);
	dtmf_tx_free(tx);
	dtmf_rx_free(rx);
}

static void
test_rocksdb(const char *dir)
{
	char path[512], *err = NULL, *val;
	size_t vlen;
	rocksdb_options_t *o = rocksdb_options_create();
	rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
	rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
	rocksdb_t *db;

	snprintf(path, sizeof(path), "%s/db", dir);
	rocksdb_options_set_create_if_missing(o, 1);
	db = rocksdb_open(o, path, &err);
	CHECK(db != NULL, "open: %s", err ? err : "");
	if (db) {
		rocksdb_put(db, wo, "cust:1001", 9, "VIP", 3, &err);
		CHECK(err == NULL, "put");
		rocksdb_close(db);
		db = rocksdb_open(o, path, &err);
		CHECK(db != NULL, "reopen");
	}
	if (db) {
		val = rocksdb_get(db, ro, "cust:1001", 9, &vlen, &err);
		CHECK(val != NULL && vlen == 3 && memcmp(val, "VIP", 3) == 0, "value survives reopen");
		rocksdb_free(val);
		rocksdb_close(db);
	}
	rocksdb_destroy_db(o, path, &err);
	rocksdb_options_destroy(o);
	rocksdb_writeoptions_destroy(wo);
	rocksdb_readoptions_destroy(ro);
}

int
main(void)
{
	char dir[] = "/tmp/cpdepsXXXXXX";

	if (mkdtemp(dir) == NULL)
		return 2;
	CHECK(strncmp(rte_version(), "DPDK", 4) == 0, "rte_version %s", rte_version());
	test_srtp();
	test_opus(dir);
	test_spandsp();
	test_rocksdb(dir);
	rmdir(dir);
	return CHECK_DONE();
}
