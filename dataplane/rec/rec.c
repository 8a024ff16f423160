/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Recording control, on the main lcore: boot (directory, lock, rings,
 * the finishing of a crashed run's partial files, the closer thread),
 * starting, pausing and stopping recordings for the NG server, and the
 * "recording" events of finished files. The recorder lcores own the
 * recordings while they run; this side only sends them commands.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ring_elem.h>

#include "common/json.h"
#include "dp.h"
#include "events/events.h"
#include "flow/flow.h"
#include "rec_int.h"

RTE_LOG_REGISTER_DEFAULT(rec_logtype, INFO);

#define REC_DEFAULT_DIR "/var/lib/callplane/recordings"
#define REC_CMD_RING 4096

struct rec_shared rec_sh;

/* The main lcore's view of each slot. */
struct rec_ctl {
	bool used;
	uint8_t state;            /* 1 recording, 2 paused (0: ended, event pending) */
	uint32_t gen;
	unsigned lc;
	uint32_t st[2];
};

static struct rec_ctl *ctl;
static uint32_t gen_next;
static unsigned rr;
static int lock_fd = -1;
static char disabled[200];  /* why recording is not available, or "" */

static const char *
rec_dir(void)
{
	return dp.cfg->dp.rec.dir ? dp.cfg->dp.rec.dir : REC_DEFAULT_DIR;
}

unsigned
rec_lcores(unsigned *ids, unsigned max)
{
	unsigned n = 0;

	for (unsigned l = 0; l < RTE_MAX_LCORE && n < max; l++)
		if (rte_lcore_is_enabled(l) && (dp.lcore_roles[l] & CFG_ROLE_RECORDER))
			ids[n++] = l;
	if (n == 0 && max > 0)
		ids[n++] = dp.main_lcore;
	return n;
}

static int
mkdir_p(const char *path)
{
	char p[PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(p))
		return -ENAMETOOLONG;
	memcpy(p, path, n + 1);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0750) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, 0750) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int
rec_init(uint32_t max_streams)
{
	const struct cfg_recording *c = &dp.cfg->dp.rec;
	unsigned ids[RTE_MAX_LCORE];
	unsigned n = rec_lcores(ids, RTE_MAX_LCORE);
	char lock[PATH_MAX];
	uint32_t ring_size;
	int rc;

	(void)max_streams;
	rec_sh.max = c->max_recordings;
	rec_sh.slot = calloc(rec_sh.max, sizeof(*rec_sh.slot));
	ctl = calloc(rec_sh.max, sizeof(*ctl));
	if (rec_sh.slot == NULL || ctl == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < rec_sh.max; i++)
		rec_sh.slot[i].fd = -1;
	rec_sh.to_close = rte_ring_create("rec_close", rte_align32pow2(rec_sh.max * 2 + 1),
					  (int)rte_socket_id(), RING_F_SC_DEQ);
	rec_sh.done = rte_ring_create("rec_done", rte_align32pow2(rec_sh.max * 4 + 1),
				      (int)rte_socket_id(), RING_F_SC_DEQ);
	if (rec_sh.to_close == NULL || rec_sh.done == NULL)
		return -rte_errno;
	/*
	 * Every queued packet holds an mbuf: all the recorder rings together
	 * may hold at most a quarter of the pool, or a recorder that falls
	 * behind would starve the ports of buffers and slow the relay.
	 */
	{
		uint32_t cap = dp.cfg->dp.mempool.mbufs / 4 / n;

		ring_size = rte_align32pow2(c->ring);
		if (cap >= 256 && ring_size > cap) {
			while (ring_size > cap)
				ring_size >>= 1;
			REC_LOG(NOTICE, "recording.ring %u -> %u per recorder lcore: queued packets "
				"hold mbufs, at most a quarter of mempool.mbufs (%u) in all\n", c->ring,
				ring_size, dp.cfg->dp.mempool.mbufs);
		}
	}
	for (unsigned i = 0; i < n; i++) {
		char name[RTE_RING_NAMESIZE];

		snprintf(name, sizeof(name), "rec_%u", ids[i]);
		rec_sh.ring[ids[i]] = rte_ring_create_elem(name, sizeof(struct rec_item),
			ring_size, (int)rte_socket_id(), RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "rec_cmd_%u", ids[i]);
		rec_sh.cmd[ids[i]] = rte_ring_create_elem(name, sizeof(struct rec_cmd), REC_CMD_RING,
			(int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (rec_sh.ring[ids[i]] == NULL || rec_sh.cmd[ids[i]] == NULL)
			return -rte_errno;
		rec_sh.lcore[i] = ids[i];
	}
	rec_sh.n = n;
	rec_calibrate(rte_rdtsc());
	/*
	 * The directory is this dataplane's alone (a lock says so): only
	 * then may partial files in it be taken for a crashed run's.
	 */
	rc = mkdir_p(rec_dir());
	if (rc < 0) {
		snprintf(disabled, sizeof(disabled), "recording directory %s cannot be created: %s",
			 rec_dir(), strerror(-rc));
		REC_LOG(WARNING, "%s; recording is off\n", disabled);
		return 0;
	}
	snprintf(lock, sizeof(lock), "%s/.callplane-dp.lock", rec_dir());
	lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) < 0) {
		snprintf(disabled, sizeof(disabled), "recording directory %s is in use by another callplane-dp",
			 rec_dir());
		REC_LOG(WARNING, "%s; recording is off\n", disabled);
		if (lock_fd >= 0)
			close(lock_fd);
		lock_fd = -1;
		return 0;
	}
	rc = rec_recover_dir(rec_dir());
	if (rc > 0)
		REC_LOG(NOTICE, "%d partial recording(s) of an earlier run finished\n", rc);
	return rec_closer_start();
}

void
rec_shutdown(void)
{
	if (rec_sh.ring[dp.main_lcore] != NULL && rec_sh.slot != NULL)
		rec_lcore_finish_all(dp.main_lcore);
	rec_closer_stop();
	while (rec_events_poll() > 0)
		;
}

void
rec_fini(void)
{
	rec_closer_stop();
	rec_events_poll();
	for (unsigned i = 0; i < rec_sh.n; i++) {
		unsigned l = rec_sh.lcore[i];
		struct rec_item it;

		while (rec_sh.ring[l] != NULL &&
		       rte_ring_sc_dequeue_elem(rec_sh.ring[l], &it, sizeof(it)) == 0)
			rte_pktmbuf_free(it.m);
		rte_ring_free(rec_sh.ring[l]);
		rte_ring_free(rec_sh.cmd[l]);
		rec_sh.ring[l] = rec_sh.cmd[l] = NULL;
	}
	rec_sh.n = 0;
	rte_ring_free(rec_sh.to_close);
	rte_ring_free(rec_sh.done);
	rec_sh.to_close = rec_sh.done = NULL;
	if (rec_sh.slot != NULL)
		for (uint32_t i = 0; i < rec_sh.max; i++) {
			free(rec_sh.slot[i].ring);
			free(rec_sh.slot[i].out);
		}
	free(rec_sh.slot);
	free(ctl);
	rec_sh.slot = NULL;
	ctl = NULL;
	if (lock_fd >= 0)
		close(lock_fd);
	lock_fd = -1;
}

/* Call-ids go into file names: anything but [A-Za-z0-9._-] becomes '_'. */
static void
safe_name(char *out, size_t cap, const char *s)
{
	size_t n = 0;

	for (; *s && n + 1 < cap && n < 80; s++) {
		char c = *s;

		out[n++] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '.' || c == '-' ? c : '_';
	}
	out[n] = '\0';
	if (n == 0 || out[0] == '.')
		out[0] = '_';
	if (n == 0)
		out[1] = '\0';
}

static char *
build_mid(const struct rec_job *j, const struct rec_params *p)
{
	static const char *const side[2] = { "left", "right" };
	struct jw w = { 0 };
	char t0[40];
	char *mid = NULL;

	rec_iso_time(&j->t_start, t0, sizeof(t0));
	jw_obj(&w);
	jw_key(&w, "format");
	jw_str(&w, j->format == REC_OPUS ? "opus" : "wav");
	jw_key(&w, "path");
	jw_str(&w, j->final);
	jw_key(&w, "sidecar");
	jw_str(&w, j->side_final);
	jw_key(&w, "start");
	jw_str(&w, t0);
	jw_key(&w, "sample-rate");
	jw_uint(&w, REC_RATE);
	jw_key(&w, "channels");
	jw_uint(&w, 2);
	jw_key(&w, "participants");
	jw_arr(&w);
	for (unsigned c = 0; c < 2; c++) {
		jw_obj(&w);
		jw_key(&w, "channel");
		jw_str(&w, side[c]);
		jw_key(&w, "role");
		jw_str(&w, p->role[c] ? p->role[c] : "");
		jw_key(&w, "tag");
		jw_str(&w, p->tag[c] ? p->tag[c] : "");
		jw_key(&w, "label");
		jw_str(&w, p->label[c] ? p->label[c] : "");
		jw_key(&w, "address");
		jw_str(&w, p->addr[c] ? p->addr[c] : "");
		jw_key(&w, "codec");
		jw_str(&w, p->codec[c] ? p->codec[c] : "");
		jw_end(&w, '}');
	}
	jw_end(&w, ']');
	jw_key(&w, "metadata");
	jw_str(&w, p->metadata ? p->metadata : "");
	jw_end(&w, '}');
	if (!w.oom && w.len >= 2)
		mid = strndup(w.buf + 1, w.len - 2);
	free(w.buf);
	return mid;
}

uint32_t
rec_start(const uint32_t st[2], const struct rec_params *p, char *path, size_t path_len,
	  char *err, size_t errlen)
{
	const struct cfg_recording *c = &dp.cfg->dp.rec;
	unsigned main_lc = dp.main_lcore;
	struct rec_job *j = NULL;
	struct rec_cmd cmd;
	uint32_t slot = REC_NONE;
	struct tm tm;
	char when[32], safe[96];
	int64_t mb;

	if (disabled[0]) {
		snprintf(err, errlen, "Recording is off: %s", disabled);
		goto refuse;
	}
	mb = rec_free_mb();
	if (mb < 0 || (c->min_free_mb > 0 && mb < c->min_free_mb) || rec_sh.disk_low) {
		snprintf(err, errlen, "Recording refused: %lld MiB free in %s (floor %u MiB)",
			 (long long)(mb < 0 ? 0 : mb), rec_dir(), c->min_free_mb);
		goto refuse;
	}
	for (uint32_t i = 0; i < rec_sh.max && slot == REC_NONE; i++)
		if (!ctl[i].used)
			slot = i;
	if (slot == REC_NONE) {
		snprintf(err, errlen, "Recording refused: %u recordings in progress (max_recordings)",
			 rec_sh.max);
		goto refuse;
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL)
		goto nomem;
	j->slot = slot;
	j->gen = ++gen_next ? gen_next : ++gen_next;
	j->format = p->format >= 0 ? p->format : (int)c->format;
	clock_gettime(CLOCK_REALTIME, &j->t_start);
	gmtime_r(&j->t_start.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", &tm);
	safe_name(safe, sizeof(safe), p->call_id);
	if (snprintf(j->final, sizeof(j->final), "%s/%s-%s-%u.%s", rec_dir(), when, safe, j->gen,
		     j->format == REC_OPUS ? "opus" : "wav") >= (int)sizeof(j->final))
		goto toolong;
	if (strlen(j->final) + 6 > sizeof(j->part))
		goto toolong;
	{
		/* base.wav -> base.wav.part, base.json, base.json.part */
		size_t fl = strlen(j->final), bl = fl - (j->format == REC_OPUS ? 5 : 4);

		memcpy(j->part, j->final, fl);
		memcpy(j->part + fl, ".part", 6);
		memcpy(j->side_final, j->final, bl);
		memcpy(j->side_final + bl, ".json", 6);
		memcpy(j->side_part, j->side_final, bl + 5);
		memcpy(j->side_part + bl + 5, ".part", 6);
	}
	j->call_id = strdup(p->call_id);
	j->from_tag = strdup(p->from_tag ? p->from_tag : "");
	j->to_tag = strdup(p->to_tag ? p->to_tag : "");
	if (j->call_id == NULL || j->from_tag == NULL || j->to_tag == NULL)
		goto nomem;
	{
		/* the reserved sidecar: {ids, mid, "status":"recording"} */
		struct jw w = { 0 };
		char *mid = build_mid(j, p), *head;

		if (mid == NULL)
			goto nomem;
		jw_obj(&w);
		jw_key(&w, "call-id");
		jw_str(&w, j->call_id);
		jw_key(&w, "from-tag");
		jw_str(&w, j->from_tag);
		jw_key(&w, "to-tag");
		jw_str(&w, j->to_tag);
		jw_end(&w, '}');
		head = w.oom ? NULL : malloc(w.len + strlen(mid) + 32);
		if (head == NULL) {
			free(w.buf);
			free(mid);
			goto nomem;
		}
		snprintf(head, w.len + strlen(mid) + 32, "%.*s,%s,\"status\":\"recording\"}",
			 (int)(w.len - 1), w.buf, mid);
		free(w.buf);
		if (strlen(head) + 1 > REC_SIDECAR_MAX) {
			free(head);
			free(mid);
			snprintf(err, errlen, "Recording refused: metadata and labels too long");
			goto refuse;
		}
		j->head = head;
		j->mid = mid;
	}
	cmd.op = REC_OP_START;
	cmd.slot = slot;
	cmd.gen = j->gen;
	cmd.job = j;
	cmd.lc = rec_sh.lcore[rr++ % rec_sh.n];
	if (rte_ring_sp_enqueue_elem(rec_sh.cmd[cmd.lc], &cmd, sizeof(cmd)) != 0) {
		snprintf(err, errlen, "Recording refused: the recorder is busy");
		goto refuse;
	}
	ctl[slot] = (struct rec_ctl){ .used = true, .state = 1, .gen = j->gen, .lc = cmd.lc,
				      .st = { st[0], st[1] } };
	for (unsigned i = 0; i < 2; i++) {
		struct flow_stream *f = &flow_streams[st[i]];

		f->rec_gen = j->gen;
		f->rec_ch = (uint8_t)i;
		f->rec_lc = (uint16_t)cmd.lc;
		__atomic_store_n(&f->rec, slot + 1, __ATOMIC_RELEASE);
	}
	snprintf(path, path_len, "%s", j->final);
	DP_COUNT(main_lc, DP_STATS_NOPORT, rec_started, 1);
	return slot;
toolong:
	snprintf(err, errlen, "Recording refused: the file name is too long for %s", rec_dir());
	goto refuse;
nomem:
	snprintf(err, errlen, "Recording refused: out of memory");
refuse:
	rec_job_free(j);
	DP_COUNT(main_lc, DP_STATS_NOPORT, rec_refused, 1);
	return REC_NONE;
}

static void
send_cmd(uint32_t slot, uint32_t op)
{
	struct rec_cmd cmd = { .op = op, .slot = slot, .gen = ctl[slot].gen, .lc = ctl[slot].lc };

	/* the ring holds REC_CMD_RING commands; the recorder drains 32 per
	 * poll, so a full ring means it is stuck: spin briefly rather than
	 * lose a stop */
	for (int tries = 0; tries < 1000; tries++) {
		if (rte_ring_sp_enqueue_elem(rec_sh.cmd[cmd.lc], &cmd, sizeof(cmd)) == 0)
			return;
		rte_delay_us_block(10);
	}
	REC_LOG(ERR, "recorder lcore %u does not take commands; slot %u op %u lost\n", cmd.lc,
		slot, op);
}

static void
untap(uint32_t slot)
{
	for (unsigned i = 0; i < 2; i++) {
		struct flow_stream *f = &flow_streams[ctl[slot].st[i]];

		if (f->rec == slot + 1 && f->rec_gen == ctl[slot].gen)
			__atomic_store_n(&f->rec, 0, __ATOMIC_RELEASE);
	}
}

void
rec_pause(uint32_t slot, bool pause)
{
	if (slot >= rec_sh.max || !ctl[slot].used || ctl[slot].state == 0)
		return;
	ctl[slot].state = pause ? 2 : 1;
	send_cmd(slot, pause ? REC_OP_PAUSE : REC_OP_RESUME);
}

void
rec_stop(uint32_t slot)
{
	if (slot >= rec_sh.max || !ctl[slot].used || ctl[slot].state == 0)
		return;
	untap(slot);
	ctl[slot].state = 0;
	send_cmd(slot, REC_OP_STOP);
}

int
rec_state(uint32_t slot)
{
	return slot < rec_sh.max && ctl[slot].used ? ctl[slot].state : 0;
}

uint32_t
rec_gen(uint32_t slot)
{
	return slot < rec_sh.max ? ctl[slot].gen : 0;
}

unsigned
rec_events_poll(void)
{
	unsigned n = 0;
	void *p;

	while (rec_sh.done != NULL && n < 64 && rte_ring_sc_dequeue(rec_sh.done, &p) == 0) {
		struct rec_job *j = p;

		if (j->event != NULL)
			events_emit("recording", j->call_id, j->from_tag, j->to_tag, j->event);
		if (j->status == REC_ST_RECOVERED)
			DP_COUNT(dp.main_lcore, DP_STATS_NOPORT, rec_recovered, 1);
		else if (j->status == REC_ST_COMPLETE)
			DP_COUNT(dp.main_lcore, DP_STATS_NOPORT, rec_finished, 1);
		if (j->slot < rec_sh.max && ctl[j->slot].used && ctl[j->slot].gen == j->gen) {
			untap(j->slot);
			ctl[j->slot].used = false;
			ctl[j->slot].state = 0;
		}
		rec_job_free(j);
		n++;
	}
	return n;
}
