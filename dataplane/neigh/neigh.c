/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbour cache: open addressing with linear probing and backward-shift
 * deletion (no tombstones), so lookups stay short however long it runs.
 * Main lcore only; all memory allocated at create.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "neigh.h"

#define NEIGH_MAX_PROBES 3

static uint32_t
hash16(const uint8_t ip[16])
{
	/* FNV-1a: addresses are not attacker-chosen in bulk here (only
	 * confirmed neighbours and our own lookups enter the table). */
	uint32_t h = 2166136261u;

	for (int i = 0; i < 16; i++)
		h = (h ^ ip[i]) * 16777619u;
	return h;
}

void
neigh_ip4(uint32_t addr_be, uint8_t out[16])
{
	memset(out, 0, 10);
	out[10] = 0xff;
	out[11] = 0xff;
	memcpy(out + 12, &addr_be, 4);
}

bool
neigh_is_ip4(const uint8_t ip[16])
{
	static const uint8_t pfx[12] = { 0,0,0,0,0,0,0,0,0,0,0xff,0xff };

	return memcmp(ip, pfx, 12) == 0;
}

int
neigh_create(struct neigh_table **out, uint32_t max_entries,
	     uint32_t reachable_ms, uint32_t stale_ms, uint32_t retry_ms)
{
	struct neigh_table *t;
	uint32_t size = 16;

	if (max_entries == 0 || max_entries > (1u << 24))
		return -EINVAL;
	while (size < max_entries * 2)
		size <<= 1;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	t->e = calloc(size, sizeof(*t->e));
	if (t->e == NULL) {
		free(t);
		return -ENOMEM;
	}
	t->size = size;
	t->max = max_entries;
	t->reachable_ms = reachable_ms;
	t->stale_ms = stale_ms;
	t->retry_ms = retry_ms;
	t->max_probes = NEIGH_MAX_PROBES;
	*out = t;
	return 0;
}

void
neigh_free(struct neigh_table *t)
{
	if (t == NULL)
		return;
	free(t->e);
	free(t);
}

static struct neigh_entry *
slot(const struct neigh_table *t, const uint8_t ip[16], bool *found)
{
	uint32_t i = hash16(ip) & (t->size - 1);

	for (;;) {
		struct neigh_entry *e = &t->e[i];

		if (e->state == NEIGH_FREE) {
			*found = false;
			return e;
		}
		if (memcmp(e->ip, ip, 16) == 0) {
			*found = true;
			return e;
		}
		i = (i + 1) & (t->size - 1);
	}
}

const struct neigh_entry *
neigh_find(const struct neigh_table *t, const uint8_t ip[16])
{
	bool found;
	struct neigh_entry *e = slot(t, ip, &found);

	return found ? e : NULL;
}

static void
remove_at(struct neigh_table *t, uint32_t i)
{
	uint32_t mask = t->size - 1;
	uint32_t j = i;

	t->e[i].state = NEIGH_FREE;
	t->used--;
	/* Backward shift: pull later cluster members into the hole when
	 * their home slot is not between the hole and them. */
	for (;;) {
		uint32_t home;

		j = (j + 1) & mask;
		if (t->e[j].state == NEIGH_FREE)
			return;
		home = hash16(t->e[j].ip) & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			t->e[i] = t->e[j];
			t->e[j].state = NEIGH_FREE;
			i = j;
		}
	}
}

static struct neigh_entry *
insert(struct neigh_table *t, uint16_t port, const uint8_t ip[16])
{
	bool found;
	struct neigh_entry *e = slot(t, ip, &found);

	if (found)
		return e;
	if (t->used >= t->max)
		return NULL;
	memset(e, 0, sizeof(*e));
	memcpy(e->ip, ip, 16);
	e->port = port;
	e->state = NEIGH_INCOMPLETE;
	t->used++;
	return e;
}

int
neigh_confirm(struct neigh_table *t, uint16_t port, const uint8_t ip[16],
	      const uint8_t mac[6], uint64_t now_ms, bool create)
{
	struct neigh_entry *e;
	bool found;

	e = slot(t, ip, &found);
	if (!found) {
		if (!create)
			return -ENOENT;
		e = insert(t, port, ip);
		if (e == NULL)
			return -ENOSPC;
	}
	memcpy(e->mac, mac, 6);
	e->port = port;
	e->state = NEIGH_REACHABLE;
	e->confirmed_ms = now_ms;
	e->probes = 0;
	return 0;
}

bool
neigh_lookup(struct neigh_table *t, uint16_t port, const uint8_t ip[16],
	     uint64_t now_ms, uint8_t mac[6], enum neigh_action *act)
{
	struct neigh_entry *e = insert(t, port, ip);

	*act = NEIGH_NONE;
	if (e == NULL)
		return false;
	switch (e->state) {
	case NEIGH_REACHABLE:
		if (now_ms - e->confirmed_ms < t->reachable_ms) {
			memcpy(mac, e->mac, 6);
			return true;
		}
		e->state = NEIGH_STALE;
		/* fall through */
	case NEIGH_STALE:
		memcpy(mac, e->mac, 6);
		if (now_ms - e->probed_ms >= t->retry_ms) {
			e->probed_ms = now_ms;
			e->probes++;
			*act = NEIGH_PROBE;
		}
		return true;
	default:
		if (e->probes == 0 || now_ms - e->probed_ms >= t->retry_ms) {
			e->probed_ms = now_ms;
			e->probes++;
			*act = NEIGH_SOLICIT;
		}
		return false;
	}
}

unsigned
neigh_age(struct neigh_table *t, uint64_t now_ms, neigh_probe_h cb, void *arg)
{
	unsigned removed = 0;

	for (uint32_t i = 0; i < t->size; i++) {
		struct neigh_entry *e = &t->e[i];
		bool drop = false;

		if (e->state == NEIGH_FREE)
			continue;
		switch (e->state) {
		case NEIGH_INCOMPLETE:
			if (e->probes >= t->max_probes &&
			    now_ms - e->probed_ms >= t->retry_ms)
				drop = true;
			else if (now_ms - e->probed_ms >= t->retry_ms) {
				e->probed_ms = now_ms;
				e->probes++;
				if (cb)
					cb(arg, e, NEIGH_SOLICIT);
			}
			break;
		case NEIGH_REACHABLE:
			if (now_ms - e->confirmed_ms >= t->reachable_ms)
				e->state = NEIGH_STALE;
			break;
		case NEIGH_STALE:
			if (now_ms - e->confirmed_ms >= t->stale_ms)
				drop = true;
			break;
		default:
			break;
		}
		if (drop) {
			remove_at(t, i);
			removed++;
			/* The shift may have pulled an unvisited entry into i. */
			i--;
		}
	}
	return removed;
}

const char *
neigh_state_name(uint8_t state)
{
	switch (state) {
	case NEIGH_INCOMPLETE: return "incomplete";
	case NEIGH_REACHABLE: return "reachable";
	case NEIGH_STALE: return "stale";
	default: return "free";
	}
}
