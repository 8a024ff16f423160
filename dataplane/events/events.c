/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Event emitter (see events.h). Main lcore; system calls are fine here,
 * blocking is not: sends use MSG_DONTWAIT.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "dp.h"
#include "events.h"

#define REC_EVENT_MAX 12288

static int fd = -1;
static struct sockaddr_un dest;
static int dtmf_fd = -1;
static struct sockaddr_storage dtmf_dest;

#define ECOUNT(ctr) (dp_stats[dp.main_lcore][DP_STATS_NOPORT].c[DP_C_##ctr]++)

int
events_init(void)
{
	const char *path = dp.cfg->dp.events.unix_path;
	const char *dl = dp.cfg->dp.events.dtmf_log_dest;

	if (dl != NULL) {
		if (cfg_parse_hostport(dl, &dtmf_dest) < 0)
			return -EINVAL;
		dtmf_fd = socket(dtmf_dest.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (dtmf_fd < 0)
			return -errno;
	}
	if (path == NULL)
		return 0;
	if (strlen(path) >= sizeof(dest.sun_path))
		return -ENAMETOOLONG;
	dest.sun_family = AF_UNIX;
	memcpy(dest.sun_path, path, strlen(path) + 1);
	/* "@name": Linux's abstract namespace, private to the network
	 * namespace (both ends use the whole sockaddr_un as the name) */
	if (path[0] == '@')
		dest.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	return fd < 0 ? -errno : 0;
}

void
events_fini(void)
{
	if (fd >= 0)
		close(fd);
	fd = -1;
	if (dtmf_fd >= 0)
		close(dtmf_fd);
	dtmf_fd = -1;
}

void
events_dtmf_log(const char *json, size_t len)
{
	if (dtmf_fd < 0)
		return;
	if (sendto(dtmf_fd, json, len, MSG_DONTWAIT, (struct sockaddr *)&dtmf_dest,
		   dtmf_dest.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
						    sizeof(struct sockaddr_in6)) < 0)
		ECOUNT(events_dropped);
	else
		ECOUNT(events_sent);
}

size_t
events_json_str(char *out, size_t cap, const char *s)
{
	size_t n = 0;

	if (cap < 3)
		return 0;
	out[n++] = '"';
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];
		size_t el;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			el = 2;
		} else if (c < 0x20) {
			el = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", c);
		} else {
			esc[0] = (char)c;
			el = 1;
		}
		if (n + el + 2 > cap)
			return 0;
		memcpy(out + n, esc, el);
		n += el;
	}
	out[n++] = '"';
	out[n] = '\0';
	return n;
}

void
events_emit(const char *type, const char *call_id, const char *from_tag,
	    const char *to_tag, const char *extra)
{
	/* a recording's event carries its sidecar (metadata up to 2 KiB) */
	static char buf[REC_EVENT_MAX];
	char cid[600], ft[300], tt[300];
	struct timespec ts;
	int n;

	if (fd < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (!events_json_str(cid, sizeof(cid), call_id) ||
	    !events_json_str(ft, sizeof(ft), from_tag ? from_tag : "") ||
	    !events_json_str(tt, sizeof(tt), to_tag ? to_tag : "")) {
		ECOUNT(events_dropped);
		return;
	}
	n = snprintf(buf, sizeof(buf),
		     "{\"type\":\"%s\",\"call-id\":%s,\"from-tag\":%s,\"to-tag\":%s,\"ts\":%lld%s%s}",
		     type, cid, ft, tt,
		     (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000,
		     extra ? "," : "", extra ? extra : "");
	if (n < 0 || (size_t)n >= sizeof(buf) ||
	    sendto(fd, buf, (size_t)n, MSG_DONTWAIT, (struct sockaddr *)&dest, sizeof(dest)) < 0) {
		ECOUNT(events_dropped);
		return;
	}
	ECOUNT(events_sent);
}
