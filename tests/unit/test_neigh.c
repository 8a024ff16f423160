/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbour cache tests with a fake clock: state changes, ageing, probes,
 * capacity, and deletions that must not hide other entries.
 */
#include <errno.h>
#include <string.h>

#include "neigh/neigh.h"
#include "check.h"

static const uint8_t MAC1[6] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t MAC2[6] = { 2, 0, 0, 0, 0, 2 };

static unsigned solicits, probes;

static void
count_cb(void *arg, const struct neigh_entry *e, enum neigh_action act)
{
	(void)arg;
	(void)e;
	if (act == NEIGH_SOLICIT)
		solicits++;
	else if (act == NEIGH_PROBE)
		probes++;
}

static void
ip4(uint32_t host, uint8_t out[16])
{
	neigh_ip4(__builtin_bswap32(host), out);
}

static void
test_lifecycle(void)
{
	struct neigh_table *t;
	uint8_t ip[16], mac[6];
	enum neigh_action act;

	CHECK(neigh_create(&t, 64, 1000, 5000, 200) == 0, "create");
	ip4(0xc6120014, ip);

	/* Unknown: lookup creates INCOMPLETE and asks to solicit once. */
	CHECK(!neigh_lookup(t, 0, ip, 0, mac, &act), "unknown not usable");
	CHECK(act == NEIGH_SOLICIT, "first lookup solicits");
	CHECK(!neigh_lookup(t, 0, ip, 100, mac, &act) && act == NEIGH_NONE,
	      "no second solicitation within retry");
	CHECK(!neigh_lookup(t, 0, ip, 250, mac, &act) && act == NEIGH_SOLICIT,
	      "retry after retry_ms");

	/* Answer arrives: REACHABLE, usable, no probe. */
	CHECK(neigh_confirm(t, 0, ip, MAC1, 300, true) == 0, "confirm");
	CHECK(neigh_lookup(t, 0, ip, 400, mac, &act) && act == NEIGH_NONE, "reachable");
	CHECK(memcmp(mac, MAC1, 6) == 0, "mac");
	CHECK(neigh_find(t, ip)->state == NEIGH_REACHABLE, "state");

	/* After reachable time: STALE, still usable, unicast probe. */
	CHECK(neigh_lookup(t, 0, ip, 1400, mac, &act) && act == NEIGH_PROBE, "stale probes");
	CHECK(neigh_find(t, ip)->state == NEIGH_STALE, "stale");
	/* A new MAC (the peer moved) replaces the old one. */
	CHECK(neigh_confirm(t, 0, ip, MAC2, 1500, false) == 0, "refresh");
	CHECK(neigh_lookup(t, 0, ip, 1600, mac, &act) && memcmp(mac, MAC2, 6) == 0, "moved");

	/* Ageing without confirmations: stale at +1 s, gone at +5 s. */
	neigh_age(t, 2600, count_cb, NULL);
	CHECK(neigh_find(t, ip)->state == NEIGH_STALE, "aged to stale");
	CHECK(neigh_age(t, 6600, count_cb, NULL) == 1, "removed after stale time");
	CHECK(neigh_find(t, ip) == NULL, "gone");
	CHECK(t->used == 0, "used %u", t->used);
	neigh_free(t);
}

static void
test_incomplete_gives_up(void)
{
	struct neigh_table *t;
	uint8_t ip[16], mac[6];
	enum neigh_action act;
	uint64_t now = 0;

	CHECK(neigh_create(&t, 16, 1000, 5000, 100) == 0, "create");
	ip4(0xc6120063, ip);
	neigh_lookup(t, 0, ip, now, mac, &act);
	solicits = 0;
	for (now = 100; now <= 1000; now += 100)
		neigh_age(t, now, count_cb, NULL);
	CHECK(solicits == 2, "re-solicits up to 3 tries in all, got %u more", solicits);
	CHECK(neigh_find(t, ip) == NULL, "unanswered entry removed");
	neigh_free(t);
}

static void
test_no_create_from_foreign(void)
{
	struct neigh_table *t;
	uint8_t ip[16];

	CHECK(neigh_create(&t, 16, 1000, 5000, 100) == 0, "create");
	ip4(0xc6120005, ip);
	CHECK(neigh_confirm(t, 0, ip, MAC1, 0, false) == -ENOENT, "not created");
	CHECK(t->used == 0, "empty");
	neigh_free(t);
}

/* Fill to capacity, then expire every other entry: the rest stay findable. */
static void
test_capacity_and_deletion(void)
{
	struct neigh_table *t;
	uint8_t ip[16];
	unsigned i, found = 0;

	CHECK(neigh_create(&t, 500, 1000, 2000, 100) == 0, "create");
	for (i = 0; i < 500; i++) {
		ip4(0xc6120000 + i, ip);
		CHECK(neigh_confirm(t, 0, ip, MAC1, (i & 1) ? 0 : 2500, true) == 0, "insert %u", i);
	}
	ip4(0xc6130001, ip);
	CHECK(neigh_confirm(t, 0, ip, MAC1, 0, true) == -ENOSPC, "full table refuses");
	/* Odd entries were confirmed at 0: stale, then past stale_ms at 3000.
	 * Even ones (2500) are still reachable. */
	CHECK(neigh_age(t, 3000, NULL, NULL) == 0, "first pass only marks stale");
	CHECK(neigh_age(t, 3000, NULL, NULL) == 250, "second pass removes the odd half");
	CHECK(t->used == 250, "half expired, %u left", t->used);
	for (i = 0; i < 500; i++) {
		ip4(0xc6120000 + i, ip);
		if (neigh_find(t, ip) != NULL) {
			found++;
			CHECK(!(i & 1), "odd %u should be gone", i);
		}
	}
	CHECK(found == 250, "even entries all findable, %u", found);
	neigh_free(t);
}

int
main(void)
{
	test_lifecycle();
	test_incomplete_gives_up();
	test_no_create_from_foreign();
	test_capacity_and_deletion();
	return CHECK_DONE();
}
