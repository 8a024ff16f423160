/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Event channel to the control plane (../shared/DESIGN.md, contract 2):
 * one JSON object per datagram on the control plane's unix datagram
 * socket. Never blocks: an event that cannot be delivered right now is
 * dropped and counted. Main lcore only.
 */
#ifndef EVENTS_H
#define EVENTS_H

#include <stddef.h>

int events_init(void);
void events_fini(void);

/*
 * Sends {"type":TYPE,"call-id":..,"from-tag":..,"to-tag":..,"ts":ms,EXTRA}
 * where EXTRA is already-formatted JSON members (may be NULL).
 */
void events_emit(const char *type, const char *call_id, const char *from_tag,
		 const char *to_tag, const char *extra);

/* Sends @json (one object) to dataplane.events.dtmf_log_dest, if set. */
void events_dtmf_log(const char *json, size_t len);

/* Writes @s as a JSON string (quoted, escaped) into @out; its length, or 0
 * if it does not fit. Public for tests. */
size_t events_json_str(char *out, size_t cap, const char *s);

#endif
