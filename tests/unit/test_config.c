/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config loader tests. Every example under config/ must load (so examples
 * cannot rot); every file under tests/config/bad/ must fail with exactly
 * the message its first line announces ("# expect: LINE:COL: key: reason").
 * Plus table-driven checks of values landing in the right struct fields.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "cfg.h"
#include "check.h"

static char errbuf[16384];

static int
yaml_files(const char *dir, char names[][256], int max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -errno;
	while ((e = readdir(d)) != NULL && n < max) {
		size_t l = strlen(e->d_name);

		if (l > 5 && strcmp(e->d_name + l - 5, ".yaml") == 0)
			snprintf(names[n++], 256, "%s/%s", dir, e->d_name);
	}
	closedir(d);
	return n;
}

static void
test_examples(const char *dir)
{
	static char names[64][256];
	int n = yaml_files(dir, names, 64);

	CHECK(n >= 3, "expected the example configs in %s, found %d", dir, n);
	for (int i = 0; i < n; i++) {
		struct cfg *c = NULL;
		int rc = cfg_load(&c, names[i], errbuf, sizeof(errbuf));

		CHECK(rc == 0, "%s must load, got %d:\n%s", names[i], rc, errbuf);
		if (rc == 0) {
			CHECK(c->dp.n_ports >= 1, "%s: ports", names[i]);
			CHECK(c->dp.media.port_min < c->dp.media.port_max, "%s: media", names[i]);
			if (strstr(names[i], "/example.yaml") != NULL)
				CHECK(c->dp.srtp.n_prefer == 2 && c->dp.srtp.prefer_idx[0] == 4 &&
					      c->dp.srtp.prefer_idx[1] == 0,
				      "%s: srtp.prefer [AEAD_AES_128_GCM, AES_CM_128_HMAC_SHA1_80] "
				      "as suites 4, 0", names[i]);
		}
		cfg_free(c);
	}
}

static void
test_bad(const char *dir)
{
	static char names[64][256];
	int n = yaml_files(dir, names, 64);

	CHECK(n >= 10, "at least 10 malformed configs in %s, found %d", dir, n);
	for (int i = 0; i < n; i++) {
		char line[512], want[800];
		struct cfg *c = NULL;
		FILE *fp = fopen(names[i], "r");
		int rc;

		CHECK(fp != NULL, "open %s", names[i]);
		if (fp == NULL)
			continue;
		if (fgets(line, sizeof(line), fp) == NULL)
			line[0] = '\0';
		fclose(fp);
		line[strcspn(line, "\n")] = '\0';
		CHECK(strncmp(line, "# expect: ", 10) == 0, "%s: first line must be '# expect: ...'",
		      names[i]);
		snprintf(want, sizeof(want), "%s:%s\n", names[i], line + 10);
		rc = cfg_load(&c, names[i], errbuf, sizeof(errbuf));
		CHECK(rc == -EINVAL, "%s must be rejected, got %d", names[i], rc);
		CHECK(c == NULL, "%s: no config on failure", names[i]);
		CHECK(strncmp(errbuf, want, strlen(want)) == 0,
		      "%s:\n  want: %s  got:  %s", names[i], want, errbuf);
		cfg_free(c);
	}
}

/* Values reach the structs, defaults fill what is absent. */
static void
test_values(const char *testbed)
{
	struct cfg *c = NULL;
	struct in_addr a;

	CHECK(cfg_load(&c, testbed, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	if (c == NULL)
		return;
	CHECK(c->dp.eal.lcore_mask == 0x3, "lcore mask %llx", (unsigned long long)c->dp.eal.lcore_mask);
	CHECK(c->dp.eal.no_huge, "no_huge");
	CHECK(c->dp.ports[0].kind == CFG_PORT_AF_PACKET, "kind");
	CHECK(strcmp(c->dp.ports[0].iface, "eth0") == 0, "iface");
	CHECK(c->dp.ports[0].rx_desc == 4096, "rx_desc %u", c->dp.ports[0].rx_desc);
	CHECK(c->dp.ports[0].mtu == 1500, "mtu default");
	inet_pton(AF_INET, "198.18.0.1", &a);
	CHECK(c->dp.interfaces[0].ipv4.addr == a.s_addr && c->dp.interfaces[0].ipv4.plen == 24,
	      "ipv4");
	CHECK(c->dp.interfaces[0].ipv6.set && c->dp.interfaces[0].ipv6.plen == 64, "ipv6");
	CHECK(!c->dp.interfaces[0].gateway4.set, "no gateway");
	CHECK(c->dp.lcores[0].id == 1 &&
	      c->dp.lcores[0].roles == (CFG_ROLE_WORKER | CFG_ROLE_DSP), "roles");
	CHECK(c->dp.lcores[1].roles == CFG_ROLE_RECORDER, "recorder on main");
	CHECK(c->dp.media.port_min == 30000 && c->dp.media.port_max == 39999, "media");
	CHECK(c->dp.idle.backoff && c->dp.idle.sleep_us == 100, "idle");
	CHECK(c->dp.burst_drain_us == 100, "burst_drain_us default");
	cfg_free(c);
}

/* Several errors in one file are all reported, each with its position. */
static void
test_many_errors(void)
{
	char path[] = "/tmp/cfgtestXXXXXX";
	int fd = mkstemp(path);
	FILE *fp = fdopen(fd, "w");
	struct cfg *c = NULL;

	fputs("dataplane:\n"
	      "  eal: { lcores: \"0-1\", bogus: 1 }\n"
	      "  ports: [ { name: p, kind: ring, ring: r, mtu: 10 } ]\n"
	      "  interfaces: [ { port: p, ipv6: \"ff02::1/64\" } ]\n"
	      "  lcores: [ { id: 1, roles: [worker, worker] } ]\n"
	      "  media: { port_min: 2000, port_max: 3001 }\n"
	      "extra: 1\n", fp);
	fclose(fp);
	CHECK(cfg_load(&c, path, errbuf, sizeof(errbuf)) == -EINVAL, "rejected");
	CHECK(strstr(errbuf, ":2:25: dataplane.eal.bogus: unknown key") != NULL, "%s", errbuf);
	CHECK(strstr(errbuf, ":3:49: dataplane.ports[0].mtu: 10 is out of range") != NULL, "%s", errbuf);
	CHECK(strstr(errbuf, ":5:38: dataplane.lcores[0].roles[1]: 'worker' given twice") != NULL,
	      "%s", errbuf);
	CHECK(strstr(errbuf, ":7:1: extra: unknown key") != NULL, "%s", errbuf);
	CHECK(strstr(errbuf, "ipv6: is a multicast address") != NULL, "%s", errbuf);
	remove(path);
	/* Missing file: clear errno message. */
	CHECK(cfg_load(&c, "/nonexistent/x.yaml", errbuf, sizeof(errbuf)) == -ENOENT, "enoent");
	CHECK(strstr(errbuf, "cannot open") != NULL, "%s", errbuf);
}

int
main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: test_config CONFIG_DIR BAD_DIR\n");
		return 2;
	}
	test_examples(argv[1]);
	test_bad(argv[2]);
	{
		char tb[512];

		snprintf(tb, sizeof(tb), "%s/testbed.yaml", argv[1]);
		test_values(tb);
	}
	test_many_errors();
	return CHECK_DONE();
}
