/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Dataplane counters: one X-macro list, one cache-aligned block per
 * (lcore, port) so every lcore writes only its own lines. Writers are the
 * owning lcore (plain increments, no atomics); readers (telemetry thread,
 * exit report) sum on read and accept a slightly stale view.
 */
#ifndef DP_STATS_H
#define DP_STATS_H

#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_lcore.h>

#define DP_MAX_PORTS 8
#define DP_STATS_NOPORT DP_MAX_PORTS /* counters that belong to no port */

/* name, help. drop_* are drops by reason; everything else is traffic. */
#define DP_COUNTERS(X) \
	X(rx_pkts, "frames received from the port") \
	X(rx_bytes, "bytes received from the port") \
	X(tx_pkts, "frames sent on the port") \
	X(tx_bytes, "bytes sent on the port") \
	X(to_host, "frames handed to the main lcore (ARP, ICMP, exception path)") \
	X(to_kernel, "frames punted to the kernel through the exception tap") \
	X(from_kernel, "frames the kernel sent through the exception tap") \
	X(arp_request_in, "ARP requests for our address answered") \
	X(arp_reply_in, "ARP replies received") \
	X(arp_request_out, "ARP requests sent to resolve a next hop") \
	X(icmp_echo_in, "ICMP echo requests answered") \
	X(nd_solicit_in, "neighbour solicitations for our address answered") \
	X(nd_advert_in, "neighbour advertisements received") \
	X(nd_solicit_out, "neighbour solicitations sent to resolve a next hop") \
	X(icmp6_echo_in, "ICMPv6 echo requests answered") \
	X(neigh_learned, "neighbour entries created or refreshed") \
	X(ng_requests, "NG requests handled") \
	X(ng_retransmits, "NG retransmits answered from the reply cache") \
	X(ng_errors, "NG requests answered with an error") \
	X(ng_malformed, "NG datagrams without a usable cookie (dropped)") \
	X(events_sent, "events sent to the control plane") \
	X(events_dropped, "events not delivered (no listener or socket full)") \
	X(calls_timed_out, "calls ended because their media went silent") \
	X(dtmf_events, "DTMF digits detected (RFC 4733 and in-band)") \
	X(dtmf_ring_full, "DTMF detections lost: the ring to the main lcore was full") \
	X(dsp_payloads, "audio payloads the dsp role ran detectors on") \
	X(dtmf_masked, "packets whose in-band DTMF was replaced by silence (DTMF blocked)") \
	X(dsp_ring_full, "audio payloads not analysed: the dsp ring was full (forwarding unaffected)") \
	X(polls, "rx polls") \
	X(idle_sleeps, "back-off sleeps of an idle lcore") \
	X(busy_cycles, "TSC cycles of polls that found work (load: busy / tsc_hz / seconds)") \
	X(drop_runt, "frame shorter than its headers") \
	X(drop_other_mac, "unicast frame for another MAC") \
	X(drop_looped, "frame carrying our own source MAC") \
	X(drop_bad_ip, "malformed IPv4/IPv6 header") \
	X(drop_not_ours, "IP unicast to an address that is not ours") \
	X(drop_media_no_stream, "UDP to the media range with no stream") \
	X(relayed, "media packets relayed") \
	X(drop_bad_source, "media from an address that is not the stream's peer (RTP-bleed)") \
	X(drop_no_neigh, "media whose next hop is not resolved yet") \
	X(drop_host_ring_full, "main lcore queue full") \
	X(drop_tx_full, "port or tap transmit queue full") \
	X(drop_bad_arp, "malformed or foreign ARP") \
	X(drop_bad_icmp, "malformed ICMP/ICMPv6 or bad checksum") \
	X(drop_bad_nd, "malformed neighbour discovery") \
	X(drop_neigh_full, "neighbour table full") \
	X(drop_no_tap, "exception path not available for the port") \
	X(drop_dtmf_blocked, "telephone-event packets removed while DTMF is blocked (PCI)") \
	X(drop_playback, "relayed packets held back while a prompt plays to that party") \
	X(play_packets, "prompt packets sent") \
	X(play_no_mbuf, "prompt packets not sent for want of an mbuf or a resolved next hop") \
	X(rec_ring_full, "packets not recorded: the recorder's ring was full (forwarding unaffected)") \
	X(rec_packets, "RTP packets placed into recordings") \
	X(rec_late, "packets that came after their place in a recording was written (silence there)") \
	X(rec_bad, "recorded packets that were not G.711 RTP, or too far ahead (dropped from the recording)") \
	X(rec_started, "recordings started") \
	X(rec_finished, "recordings finished (file complete, sidecar written, event sent)") \
	X(rec_refused, "recordings refused (disk below the free-space floor, table full, bad request)") \
	X(rec_disk_full, "recordings stopped early because the disk filled up") \
	X(rec_io_errors, "recordings stopped early by another write error") \
	X(rec_recovered, "partial recordings of a crashed run finished at boot") \
	X(rec_bytes, "bytes written to recording files") \
	X(srtp_decrypted, "SRTP/SRTCP packets authenticated and decrypted") \
	X(srtp_encrypted, "RTP/RTCP packets encrypted towards an SRTP peer") \
	X(drop_srtp_auth, "SRTP/SRTCP packets that failed authentication (or were malformed)") \
	X(drop_srtp_replay, "SRTP/SRTCP packets replayed or older than the replay window") \
	X(drop_srtp_tx, "packets not sent: no room to protect them")

enum dp_counter {
#define X(n, h) DP_C_##n,
	DP_COUNTERS(X)
#undef X
	DP_C__MAX
};

struct dp_stats_block {
	uint64_t c[DP_C__MAX];
} __rte_cache_aligned;

extern struct dp_stats_block dp_stats[RTE_MAX_LCORE][DP_MAX_PORTS + 1];
extern const char *const dp_counter_names[DP_C__MAX];
extern const char *const dp_counter_help[DP_C__MAX];

/* Hot path: count on the calling lcore. */
#define DP_COUNT(lc, port, ctr, n) (dp_stats[(lc)][(port)].c[DP_C_##ctr] += (n))

/*
 * Sum counters into @out[DP_C__MAX]. @lcore or @port may be -1 for "all".
 * Any thread.
 */
void dp_stats_sum(int lcore, int port, uint64_t *out);

/* Registers the /callplane/... telemetry commands. Main lcore, at boot. */
void dp_stats_telemetry_init(void);

/*
 * For NG `statistics` (the "callplane" dict): "counters" (all, summed),
 * "tsc hz", "ports" (name, id, link, PMD figures, every counter) and
 * "lcores" (id, roles, non-zero counters). Main lcore.
 */
struct ben_buf;
void dp_stats_put_ben(struct ben_buf *b);

/* Prints the per-port and per-lcore report (non-zero counters). */
void dp_stats_report(FILE *fp);

#endif
