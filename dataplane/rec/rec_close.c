/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Finishing recordings, on the closer thread (a plain pthread, not an
 * lcore): fsync by policy, sha256 of the file, rename from ".part",
 * the sidecar completed in the space it reserved at start (so a full disk
 * cannot stop it), the event text for the main lcore. Also the repair of
 * partial files (a crash, a full disk): a WAV is cut to whole frames and
 * its header states the sizes; an Ogg stream is cut after its last whole
 * page, which is marked end-of-stream. And the free-space watch.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <rte_cycles.h>
#include <rte_ring.h>

#include "common/json.h"
#include "dp.h"
#include "rec_int.h"

static pthread_t closer;
static volatile bool closer_quit;
static bool closer_running;

void
rec_iso_time(const struct timespec *t, char *out, size_t len)
{
	struct tm tm;
	char b[32];

	gmtime_r(&t->tv_sec, &tm);
	strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, len, "%s.%03ldZ", b, t->tv_nsec / 1000000);
}

void
rec_job_free(struct rec_job *j)
{
	if (j == NULL)
		return;
	free(j->call_id);
	free(j->from_tag);
	free(j->to_tag);
	free(j->head);
	free(j->mid);
	free(j->event);
	free(j);
}

int64_t
rec_free_mb(void)
{
	const char *dir = dp.cfg->dp.rec.dir ? dp.cfg->dp.rec.dir : "/var/lib/callplane/recordings";
	struct statvfs v;

	if (statvfs(dir, &v) < 0)
		return -errno;
	return (int64_t)((uint64_t)v.f_bavail * v.f_frsize / (1024 * 1024));
}

void
rec_wav_header(uint8_t *h, uint64_t data)
{
	uint32_t d = data > UINT32_MAX - 36 ? UINT32_MAX - 36 : (uint32_t)data;
	uint32_t v;

	memcpy(h, "RIFF", 4);
	v = 36 + d;
	memcpy(h + 4, &v, 4);
	memcpy(h + 8, "WAVEfmt ", 8);
	v = 16;
	memcpy(h + 16, &v, 4);
	h[20] = 1; h[21] = 0;
	h[22] = 2; h[23] = 0;
	v = REC_RATE;
	memcpy(h + 24, &v, 4);
	v = REC_RATE * 4;
	memcpy(h + 28, &v, 4);
	h[32] = 4; h[33] = 0;
	h[34] = 16; h[35] = 0;
	memcpy(h + 36, "data", 4);
	memcpy(h + 40, &d, 4);
}

int
rec_repair_wav(int fd, uint64_t *bytes, uint64_t *ms)
{
	uint8_t h[REC_WAV_HDR];
	struct stat st;
	uint64_t data;

	if (fstat(fd, &st) < 0)
		return -errno;
	data = st.st_size > REC_WAV_HDR ? ((uint64_t)st.st_size - REC_WAV_HDR) & ~(uint64_t)3 : 0;
	if (data > UINT32_MAX - 36)
		data = (UINT32_MAX - 36) & ~(uint64_t)3;
	/* our own format only: 8 kHz, stereo, 16-bit */
	rec_wav_header(h, data);
	if (pwrite(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return errno ? -errno : -EIO;
	if ((uint64_t)st.st_size != REC_WAV_HDR + data && ftruncate(fd, (off_t)(REC_WAV_HDR + data)) < 0)
		return -errno;
	*bytes = REC_WAV_HDR + data;
	*ms = data / 4 / (REC_RATE / 1000);
	return 0;
}

static uint32_t ogg_crc_tab[256];

__attribute__((constructor)) static void
ogg_crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t r = i << 24;

		for (int k = 0; k < 8; k++)
			r = r & 0x80000000u ? (r << 1) ^ 0x04c11db7u : r << 1;
		ogg_crc_tab[i] = r;
	}
}

static uint32_t
ogg_crc(const uint8_t *p, size_t n)
{
	uint32_t c = 0;

	for (size_t i = 0; i < n; i++)
		c = (c << 8) ^ ogg_crc_tab[((c >> 24) ^ p[i]) & 0xff];
	return c;
}

int
rec_repair_ogg(int fd, uint64_t *bytes, uint64_t *ms)
{
	static uint8_t page[27 + 255 + 255 * 255];
	uint64_t off = 0, last = UINT64_MAX, last_len = 0;
	int64_t granule = 0;
	uint32_t preskip = 0;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	/* walk whole, valid pages; stop at the first torn or foreign one */
	for (;;) {
		uint32_t nseg, body = 0, crc;
		ssize_t r = pread(fd, page, 27, (off_t)off);

		if (r != 27 || memcmp(page, "OggS", 4) != 0 || page[4] != 0)
			break;
		nseg = page[26];
		if (pread(fd, page + 27, nseg, (off_t)(off + 27)) != (ssize_t)nseg)
			break;
		for (uint32_t i = 0; i < nseg; i++)
			body += page[27 + i];
		if (pread(fd, page + 27 + nseg, body, (off_t)(off + 27 + nseg)) != (ssize_t)body)
			break;
		memcpy(&crc, page + 22, 4);
		memset(page + 22, 0, 4);
		if (ogg_crc(page, 27 + nseg + body) != crc)
			break;
		if (off == 0 && body >= 19 && memcmp(page + 27 + nseg, "OpusHead", 8) == 0)
			preskip = (uint32_t)page[27 + nseg + 10] | (uint32_t)page[27 + nseg + 11] << 8;
		{
			int64_t g;

			memcpy(&g, page + 6, 8);
			if (g != -1)
				granule = g;
		}
		last = off;
		last_len = 27 + nseg + body;
		off += last_len;
	}
	if (last == UINT64_MAX)
		return -EINVAL;     /* not even a header page: nothing to save */
	if ((uint64_t)st.st_size != off && ftruncate(fd, (off_t)off) < 0)
		return -errno;
	/* the last page says end-of-stream, as a finished file would */
	if (pread(fd, page, last_len, (off_t)last) != (ssize_t)last_len)
		return -EIO;
	if (!(page[5] & 0x04)) {
		uint32_t crc;

		page[5] |= 0x04;
		memset(page + 22, 0, 4);
		crc = ogg_crc(page, last_len);
		memcpy(page + 22, &crc, 4);
		if (pwrite(fd, page, 27, (off_t)last) != 27)
			return errno ? -errno : -EIO;
	}
	*bytes = off;
	*ms = granule > (int64_t)preskip ? (uint64_t)(granule - preskip) / 48 : 0;
	return 0;
}

static int
sha256_file(const char *path, char hex[65])
{
	static uint8_t buf[1 << 16];
	unsigned char md[32];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	int fd, rc = 0;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		rc = -ENOMEM;
		goto out;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(ctx, buf, (size_t)n);
	if (n < 0) {
		rc = -errno;
		goto out;
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
out:
	EVP_MD_CTX_free(ctx);
	close(fd);
	return rc;
}

static const char *
status_name(int st)
{
	switch (st) {
	case REC_ST_COMPLETE: return "complete";
	case REC_ST_DISK_FULL: return "disk-full";
	case REC_ST_IO_ERROR: return "io-error";
	case REC_ST_RECOVERED: return "recovered";
	default: return "open-failed";
	}
}

/* The sidecar's full text goes into the file it reserved at start. */
static int
write_sidecar(const struct rec_job *j, const char *text, size_t n)
{
	int fd = open(j->side_part, O_WRONLY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (pwrite(fd, text, n, 0) != (ssize_t)n || ftruncate(fd, (off_t)n) < 0)
		rc = errno ? -errno : -EIO;
	if (rc == 0 && dp.cfg->dp.rec.fsync != CFG_FSYNC_NONE && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && rename(j->side_part, j->side_final) < 0)
		rc = -errno;
	return rc;
}

static void
finish_job(struct rec_job *j)
{
	struct jw w = { 0 }, s = { 0 };
	char t0[40], t1[40];
	double dur = (double)j->frames / REC_RATE;

	if (j->status != REC_ST_OPEN_FAILED) {
		if (dp.cfg->dp.rec.fsync != CFG_FSYNC_NONE) {
			int fd = open(j->part, O_RDONLY | O_CLOEXEC);

			if (fd >= 0) {
				fsync(fd);
				close(fd);
			}
		}
		if (sha256_file(j->part, j->sha256) < 0)
			j->sha256[0] = '\0';
		if (rename(j->part, j->final) < 0)
			snprintf(j->final, sizeof(j->final), "%s", j->part);
	}
	rec_iso_time(&j->t_start, t0, sizeof(t0));
	rec_iso_time(&j->t_end, t1, sizeof(t1));
	/* the members that become known at the end */
	jw_obj(&w);
	jw_key(&w, "end");
	jw_str(&w, t1);
	jw_key(&w, "duration");
	jw_double(&w, (double)(uint64_t)(dur * 1000 + 0.5) / 1000);
	jw_key(&w, "bytes");
	jw_uint(&w, j->bytes);
	jw_key(&w, "sha256");
	jw_str(&w, j->sha256);
	jw_key(&w, "status");
	jw_str(&w, status_name(j->status));
	if (j->err) {
		jw_key(&w, "error");
		jw_str(&w, strerror(j->err));
	}
	if (j->status != REC_ST_RECOVERED) {
		jw_key(&w, "paused");
		jw_double(&w, (double)j->paused_frames / REC_RATE);
		jw_key(&w, "packets");
		jw_arr(&w);
		jw_uint(&w, j->pkts[0]);
		jw_uint(&w, j->pkts[1]);
		jw_end(&w, ']');
		jw_key(&w, "late");
		jw_arr(&w);
		jw_uint(&w, j->late[0]);
		jw_uint(&w, j->late[1]);
		jw_end(&w, ']');
		/* what each channel's packets actually carried */
		jw_key(&w, "codecs");
		jw_arr(&w);
		for (unsigned c = 0; c < 2; c++)
			jw_str(&w, j->pts[c] == 1 ? "PCMU" : j->pts[c] == 2 ? "PCMA" :
				   j->pts[c] == 3 ? "PCMU+PCMA" : "");
		jw_end(&w, ']');
	}
	jw_end(&w, '}');
	/* the sidecar: ids, what was known at start, then the above */
	jw_obj(&s);
	jw_key(&s, "call-id");
	jw_str(&s, j->call_id);
	jw_key(&s, "from-tag");
	jw_str(&s, j->from_tag);
	jw_key(&s, "to-tag");
	jw_str(&s, j->to_tag);
	jw_end(&s, '}');
	if (!w.oom && !s.oom) {
		size_t nmid = strlen(j->mid), nw = w.len - 2, ns = s.len - 1;
		/* s = {ids}  mid = "k":v,...  w = {end...} */
		char *side = malloc(ns + 1 + nmid + 1 + nw + 2);
		char *ev = malloc(nmid + 1 + nw + 1);

		if (side != NULL && ev != NULL) {
			size_t n = 0;

			memcpy(side, s.buf, ns);
			n = ns;
			side[n++] = ',';
			memcpy(side + n, j->mid, nmid);
			n += nmid;
			side[n++] = ',';
			memcpy(side + n, w.buf + 1, nw);
			n += nw;
			side[n++] = '}';
			side[n++] = '\n';
			if (j->status != REC_ST_OPEN_FAILED && write_sidecar(j, side, n) < 0)
				unlink(j->side_part);
			memcpy(ev, j->mid, nmid);
			ev[nmid] = ',';
			memcpy(ev + nmid + 1, w.buf + 1, nw);
			ev[nmid + 1 + nw] = '\0';
			j->event = ev;
			ev = NULL;
		}
		free(side);
		free(ev);
	}
	free(w.buf);
	free(s.buf);
	(void)t0;
	if (rte_ring_mp_enqueue(rec_sh.done, j) != 0)
		rec_job_free(j);
}

/*
 * A partial file of a run that died: repaired, and finished like any
 * other with what its reserved sidecar says (status "recovered").
 */
static int
recover_one(const char *dir, const char *name)
{
	static char side[REC_SIDECAR_MAX + 1];
	static struct json_node nodes[512];
	struct json_doc doc = { .nodes = nodes, .cap = RTE_DIM(nodes) };
	struct rec_job *j = calloc(1, sizeof(*j));
	size_t nl = strlen(name);
	bool opus = nl > 10 && strcmp(name + nl - 10, ".opus.part") == 0;
	char err[80];
	uint64_t ms = 0;
	struct stat st;
	int fd, rc, sfd;
	ssize_t n;

	if (j == NULL)
		return -ENOMEM;
	j->slot = REC_NONE;
	j->status = REC_ST_RECOVERED;
	j->format = opus ? REC_OPUS : REC_WAV;
	if (strlen(dir) + 1 + nl + 6 > sizeof(j->part)) {
		rec_job_free(j);
		return -ENAMETOOLONG;
	}
	/* dir/base.wav.part -> dir/base.wav, dir/base.json(.part) */
	memcpy(j->part, dir, strlen(dir));
	j->part[strlen(dir)] = '/';
	memcpy(j->part + strlen(dir) + 1, name, nl + 1);
	memcpy(j->final, j->part, strlen(j->part) - 5);
	{
		size_t fl = strlen(j->final), bl = fl - (opus ? 5 : 4);

		memcpy(j->side_final, j->final, bl);
		memcpy(j->side_final + bl, ".json", 6);
		memcpy(j->side_part, j->side_final, bl + 5);
		memcpy(j->side_part + bl + 5, ".part", 6);
	}
	fd = open(j->part, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		rec_job_free(j);
		return -errno;
	}
	rc = opus ? rec_repair_ogg(fd, &j->bytes, &ms) : rec_repair_wav(fd, &j->bytes, &ms);
	if (rc == 0 && fstat(fd, &st) == 0) {
		j->t_end.tv_sec = st.st_mtim.tv_sec;
		j->t_end.tv_nsec = st.st_mtim.tv_nsec;
	}
	close(fd);
	if (rc < 0) {
		REC_LOG(WARNING, "recording %s: cannot be repaired (%s), left as it is\n", j->part,
		       strerror(-rc));
		rec_job_free(j);
		return rc;
	}
	j->frames = ms * (REC_RATE / 1000);
	/* what was known at start: {ids, mid, "status":"recording"} */
	sfd = open(j->side_part, O_RDONLY | O_CLOEXEC);
	n = sfd >= 0 ? read(sfd, side, REC_SIDECAR_MAX) : -1;
	if (sfd >= 0)
		close(sfd);
	if (n > 0) {
		static const char tail[] = ",\"status\":\"recording\"}";
		const struct json_node *tt;
		char *end;

		side[n] = '\0';
		while (n > 0 && (side[n - 1] == ' ' || side[n - 1] == '\n'))
			side[--n] = '\0';
		end = (size_t)n >= sizeof(tail) ? side + n - (sizeof(tail) - 1) : NULL;
		if (end != NULL && strcmp(end, tail) == 0 &&
		    json_parse(&doc, side, (size_t)n, err, sizeof(err)) == 0 &&
		    (tt = json_get(&doc, &nodes[0], "to-tag")) != NULL) {
			char id[512];
			const char *mid = tt->p + tt->len + 2;

			if (json_str(json_get(&doc, &nodes[0], "call-id"), id, sizeof(id)))
				j->call_id = strdup(id);
			if (json_str(json_get(&doc, &nodes[0], "from-tag"), id, sizeof(id)))
				j->from_tag = strdup(id);
			if (json_str(tt, id, sizeof(id)))
				j->to_tag = strdup(id);
			if (mid < end)
				j->mid = strndup(mid, (size_t)(end - mid));
		}
	}
	if (j->mid == NULL) {
		/* no usable sidecar: the file alone is still a recording */
		struct jw w = { 0 };

		jw_obj(&w);
		jw_key(&w, "format");
		jw_str(&w, opus ? "opus" : "wav");
		jw_key(&w, "path");
		jw_str(&w, j->final);
		jw_end(&w, '}');
		j->mid = w.oom ? NULL : strndup(w.buf + 1, w.len - 2);
		free(w.buf);
		if (sfd < 0) {
			/* reserve the sidecar now, as a start would have */
			int f = open(j->side_part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);

			if (f >= 0)
				close(f);
		}
	}
	if (j->call_id == NULL)
		j->call_id = strdup("");
	if (j->from_tag == NULL)
		j->from_tag = strdup("");
	if (j->to_tag == NULL)
		j->to_tag = strdup("");
	if (j->mid == NULL || j->call_id == NULL || j->from_tag == NULL || j->to_tag == NULL) {
		rec_job_free(j);
		return -ENOMEM;
	}
	REC_LOG(NOTICE, "recording %s: partial file of an earlier run finished (%llu ms)\n",
	       j->final, (unsigned long long)ms);
	finish_job(j);
	return 0;
}

int
rec_recover_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -errno;
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);

		if ((l > 9 && strcmp(e->d_name + l - 9, ".wav.part") == 0) ||
		    (l > 10 && strcmp(e->d_name + l - 10, ".opus.part") == 0)) {
			/* the done ring must keep room for live recordings */
			if (rte_ring_free_count(rec_sh.done) <= rec_sh.max)
				break;
			if (recover_one(dir, e->d_name) == 0)
				n++;
		}
	}
	closedir(d);
	return n;
}

static void *
closer_main(void *arg)
{
	uint64_t next_watch = 0, hz = rte_get_timer_hz();
	uint32_t floor_mb = dp.cfg->dp.rec.min_free_mb;

	(void)arg;
	while (!closer_quit || rte_ring_count(rec_sh.to_close) > 0) {
		void *p;
		uint64_t now = rte_get_timer_cycles();

		if (now >= next_watch) {
			int64_t mb = rec_free_mb();

			rec_sh.disk_low = floor_mb > 0 && mb >= 0 && mb < floor_mb;
			next_watch = now + hz / 4;
		}
		if (rte_ring_sc_dequeue(rec_sh.to_close, &p) == 0) {
			finish_job(p);
			continue;
		}
		usleep(10000);
	}
	return NULL;
}

int
rec_closer_start(void)
{
	int rc;

	closer_quit = false;
	rc = pthread_create(&closer, NULL, closer_main, NULL);
	if (rc != 0)
		return -rc;
	pthread_setname_np(closer, "rec-closer");
	closer_running = true;
	return 0;
}

void
rec_closer_stop(void)
{
	if (!closer_running)
		return;
	closer_quit = true;
	pthread_join(closer, NULL);
	closer_running = false;
}
