/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbour cache (ARP and IPv6 ND share it): IP -> MAC with ageing.
 * States follow RFC 4861's spirit: INCOMPLETE (asked, no answer yet),
 * REACHABLE (confirmed within reachable_ms), STALE (usable, re-probed
 * before it is dropped at stale_ms). Owned by the main lcore; the caller
 * serialises access (the telemetry reader takes the same lock). Pure C on
 * preallocated memory: no DPDK calls, so unit tests run it without EAL.
 * Time is passed in by the caller in milliseconds.
 */
#ifndef NEIGH_H
#define NEIGH_H

#include <stdbool.h>
#include <stdint.h>

enum neigh_state {
	NEIGH_FREE = 0,
	NEIGH_INCOMPLETE,
	NEIGH_REACHABLE,
	NEIGH_STALE,
};

struct neigh_entry {
	uint8_t ip[16];          /* IPv6, or IPv4-mapped ::ffff:a.b.c.d */
	uint8_t mac[6];
	uint8_t state;           /* enum neigh_state */
	uint8_t probes;          /* solicitations since last confirmation */
	uint16_t port;
	uint64_t confirmed_ms;
	uint64_t probed_ms;
};

struct neigh_table {
	struct neigh_entry *e;
	uint32_t size;           /* slots, power of two */
	uint32_t max;            /* entries allowed */
	uint32_t used;
	uint32_t reachable_ms, stale_ms, retry_ms;
	uint32_t max_probes;
};

/* What the caller must do after neigh_lookup / neigh_age. */
enum neigh_action {
	NEIGH_NONE,
	NEIGH_SOLICIT,   /* send a broadcast/multicast solicitation */
	NEIGH_PROBE,     /* send a unicast probe to the known MAC */
};

int neigh_create(struct neigh_table **out, uint32_t max_entries,
		 uint32_t reachable_ms, uint32_t stale_ms, uint32_t retry_ms);
void neigh_free(struct neigh_table *t);

void neigh_ip4(uint32_t addr_be, uint8_t out[16]);
bool neigh_is_ip4(const uint8_t ip[16]);

/*
 * Records a confirmed mapping (an ARP reply/request or an NA/NS naming
 * the sender). If @create is false only an existing entry is refreshed
 * (RFC 826: do not fill the cache from every ARP seen).
 * Returns 0, or -ENOSPC when the table is full, -ENOENT if !create and absent.
 */
int neigh_confirm(struct neigh_table *t, uint16_t port, const uint8_t ip[16],
		  const uint8_t mac[6], uint64_t now_ms, bool create);

/*
 * Looks up @ip for sending. Fills @mac and returns true when usable
 * (REACHABLE or STALE). *act tells whether to solicit or probe now; an
 * absent entry is created INCOMPLETE. -ENOSPC as false with *act NONE.
 */
bool neigh_lookup(struct neigh_table *t, uint16_t port, const uint8_t ip[16],
		  uint64_t now_ms, uint8_t mac[6], enum neigh_action *act);

/*
 * Ages every entry. For each entry that needs a solicitation or probe now,
 * calls @cb. Entries past their lifetime are removed. Returns removals.
 */
typedef void (*neigh_probe_h)(void *arg, const struct neigh_entry *e,
			      enum neigh_action act);
unsigned neigh_age(struct neigh_table *t, uint64_t now_ms, neigh_probe_h cb,
		   void *arg);

const struct neigh_entry *neigh_find(const struct neigh_table *t,
				     const uint8_t ip[16]);
const char *neigh_state_name(uint8_t state);

#endif
