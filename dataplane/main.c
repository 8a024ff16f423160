/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * callplane-dp: the dataplane process. Loads the config, starts the EAL
 * from it, brings up ports and exception taps, launches the workers and
 * runs the host stack on the main lcore until SIGINT/SIGTERM, then stops
 * the ports and prints the final counters. Everything here runs on the
 * main lcore; rte_exit only before the workers are launched.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "cfg.h"
#include "common/notify.h"
#include "dp.h"
#include "srtp/srtp_xf.h"
#include "drivers/port/port.h"
#include "dsp/dsp.h"
#include "rec/rec.h"
#include "dtmf/dtmf.h"
#include "events/events.h"
#include "flow/flow.h"
#include "host/host.h"
#include "ng/ngsrv.h"
#include "worker/worker.h"

RTE_LOG_REGISTER_DEFAULT(dp_logtype, INFO);
#define DP_LOG(lvl, ...) rte_log(RTE_LOG_##lvl, dp_logtype, "dp: " __VA_ARGS__)

#define MAX_EAL_ARGS 96
#define ERRBUF 8192

struct dp dp;

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: callplane-dp -c FILE [--file-prefix NAME]\n"
		"       callplane-dp --check-config FILE\n"
		"\n"
		"  -c, --config FILE     start the dataplane from FILE\n"
		"      --check-config F  validate F and exit (0 valid, 1 invalid)\n"
		"      --file-prefix N   override dataplane.eal.file_prefix (telemetry\n"
		"                        socket /var/run/dpdk/N/dpdk_telemetry.v2)\n"
		"  -V, --version         print the version\n"
		"  -h, --help            this text\n");
}

static void
on_signal(int sig)
{
	(void)sig;
	dp.quit = true;
}

static int
load_config(const char *path, struct cfg **out)
{
	static char err[ERRBUF];
	int rc = cfg_load(out, path, err, sizeof(err));

	if (rc < 0) {
		fputs(err, stderr);
		if (err[0] == '\0')
			fprintf(stderr, "%s: %s\n", path, strerror(-rc));
	}
	return rc;
}

/* Holds the strings EAL argv points at. */
struct eal_argv {
	char *argv[MAX_EAL_ARGS];
	int argc;
	char store[MAX_EAL_ARGS][192];
};

static void
add_arg(struct eal_argv *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
add_arg(struct eal_argv *a, const char *fmt, ...)
{
	va_list ap;

	if (a->argc >= MAX_EAL_ARGS - 1)
		rte_exit(EXIT_FAILURE, "too many EAL arguments\n");
	va_start(ap, fmt);
	vsnprintf(a->store[a->argc], sizeof(a->store[0]), fmt, ap);
	va_end(ap);
	a->argv[a->argc] = a->store[a->argc];
	a->argc++;
}

static unsigned
count_workers(const struct cfg_dataplane *c)
{
	unsigned n = 0;

	for (uint32_t i = 0; i < c->n_lcores; i++)
		if (c->lcores[i].roles & CFG_ROLE_WORKER)
			n++;
	return n;
}

static void
build_eal_args(struct eal_argv *a, const char *prog, const char *prefix,
	       char devnames[][64])
{
	const struct cfg_dataplane *c = &dp.cfg->dp;
	unsigned nw = count_workers(c);
	bool pci = false;

	add_arg(a, "%s", prog);
	add_arg(a, "-l");
	add_arg(a, "%s", c->eal.lcores);
	add_arg(a, "--main-lcore=%u", c->eal.main_lcore);
	add_arg(a, "-m");
	add_arg(a, "%u", c->eal.memory_mb);
	if (c->eal.no_huge)
		add_arg(a, "--no-huge");
	add_arg(a, "--log-level=%u", c->eal.log_level);
	if (prefix != NULL || c->eal.file_prefix != NULL)
		add_arg(a, "--file-prefix=%s", prefix ? prefix : c->eal.file_prefix);
	for (uint32_t i = 0; i < c->n_ports; i++) {
		char opt[16], val[192], err[256];

		if (port_eal_arg(&c->ports[i], i, nw, opt, sizeof(opt), val, sizeof(val),
				 devnames[i], 64, err, sizeof(err)) < 0)
			rte_exit(EXIT_FAILURE, "%s\n", err);
		if (c->ports[i].kind == CFG_PORT_PCI)
			pci = true;
		add_arg(a, "%s", opt);
		add_arg(a, "%s", val);
	}
	if (c->eal.no_pci && !pci)
		add_arg(a, "--no-pci");
	for (uint32_t i = 0; i < c->eal.n_extra_args; i++)
		add_arg(a, "%s", c->eal.extra_args[i]);
	a->argv[a->argc] = NULL;
}

static void
eui64_ll(const struct rte_ether_addr *mac, uint8_t out[16])
{
	memset(out, 0, 16);
	out[0] = 0xfe;
	out[1] = 0x80;
	out[8] = mac->addr_bytes[0] ^ 0x02;
	out[9] = mac->addr_bytes[1];
	out[10] = mac->addr_bytes[2];
	out[11] = 0xff;
	out[12] = 0xfe;
	out[13] = mac->addr_bytes[3];
	out[14] = mac->addr_bytes[4];
	out[15] = mac->addr_bytes[5];
}

static void
setup_ports(char devnames[][64])
{
	const struct cfg_dataplane *c = &dp.cfg->dp;
	char err[256];

	dp.n_ports = c->n_ports;
	for (uint32_t i = 0; i < c->n_ports; i++) {
		const struct cfg_port *cp = &c->ports[i];
		struct dp_port *p = &dp.ports[i];
		uint16_t nrx = (uint16_t)dp.n_workers, ntx = (uint16_t)dp.n_workers;
		int rc;

		snprintf(p->name, sizeof(p->name), "%s", cp->name);
		if (rte_eth_dev_get_port_by_name(devnames[i], &p->port_id) != 0) {
			const char *what = cp->iface ? cp->iface : cp->pci ? cp->pci :
				cp->socket ? cp->socket : cp->rx_pcap ? cp->rx_pcap : devnames[i];

			rte_exit(EXIT_FAILURE, "port %s: %s device on '%s' did not come up "
				 "(does it exist, and are we root?)\n", cp->name,
				 cfg_port_kind_names[cp->kind], what);
		}
		rc = port_start(p->port_id, &nrx, &ntx, cp, dp.pool, err, sizeof(err));
		if (rc < 0)
			rte_exit(EXIT_FAILURE, "port %s: %s\n", cp->name, err);
		p->n_rxq = nrx;
		p->n_txq = ntx;
		rte_eth_macaddr_get(p->port_id, &p->mac);
		eui64_ll(&p->mac, p->ip6_ll);
	}
	for (uint32_t i = 0; i < c->n_interfaces; i++) {
		const struct cfg_iface *ifc = &c->interfaces[i];
		struct dp_port *p = &dp.ports[cfg_port_index(dp.cfg, ifc->port)];

		if (ifc->ipv4.set) {
			p->has4 = true;
			p->ip4 = ifc->ipv4.addr;
			p->plen4 = ifc->ipv4.plen;
			p->mask4 = ifc->ipv4.plen ? htonl(~0u << (32 - ifc->ipv4.plen)) : 0;
		}
		if (ifc->gateway4.set) {
			p->has_gw4 = true;
			p->gw4 = ifc->gateway4.addr;
		}
		p->n_xip4 = (uint8_t)ifc->n_media_ipv4;
		memcpy(p->xip4, ifc->media4, sizeof(uint32_t) * ifc->n_media_ipv4);
		if (ifc->ipv6.set) {
			p->has6 = true;
			memcpy(p->ip6, ifc->ipv6.addr, 16);
			p->plen6 = ifc->ipv6.plen;
		}
		if (ifc->gateway6.set) {
			p->has_gw6 = true;
			memcpy(p->gw6, ifc->gateway6.addr, 16);
		}
	}
}

static void
setup_taps(void)
{
	const struct cfg_dataplane *c = &dp.cfg->dp;
	char err[256];

	for (uint32_t i = 0; i < c->n_ports; i++) {
		struct dp_port *p = &dp.ports[i];
		const struct cfg_iface *ifc = NULL;
		int rc;

		for (uint32_t k = 0; k < c->n_interfaces; k++)
			if (strcmp(c->interfaces[k].port, p->name) == 0)
				ifc = &c->interfaces[k];
		if (ifc == NULL)
			continue; /* a port without addresses has no kernel side */
		if (c->ports[i].exception_tap)
			snprintf(p->tap_name, sizeof(p->tap_name), "%s", c->ports[i].exception_tap);
		else
			snprintf(p->tap_name, sizeof(p->tap_name), "cp%u", i);
		rc = port_tap_create(p->tap_name, i, &p->mac, (uint16_t)c->ports[i].mtu,
				     dp.pool, &p->tap_id, err, sizeof(err));
		if (rc < 0)
			rte_exit(EXIT_FAILURE, "port %s: %s\n", p->name, err);
		p->has_tap = true;
		if (p->has4 && (rc = kif_addr_add(p->tap_name, AF_INET, &p->ip4, p->plen4)) < 0)
			rte_exit(EXIT_FAILURE, "tap %s: cannot add IPv4 address: %s\n",
				 p->tap_name, strerror(-rc));
		if (p->has6 && (rc = kif_addr_add(p->tap_name, AF_INET6, p->ip6, p->plen6)) < 0)
			rte_exit(EXIT_FAILURE, "tap %s: cannot add IPv6 address: %s\n",
				 p->tap_name, strerror(-rc));
		if (!ifc->kernel_default_route)
			continue;
		/* Another default route (a management port) wins: say so, go on. */
		if (p->has_gw4 && (rc = kif_default_route_add(p->tap_name, AF_INET, &p->gw4)) < 0)
			DP_LOG(WARNING, "tap %s: IPv4 default route not added: %s\n",
			       p->tap_name, strerror(-rc));
		if (p->has_gw6 && (rc = kif_default_route_add(p->tap_name, AF_INET6, p->gw6)) < 0)
			DP_LOG(WARNING, "tap %s: IPv6 default route not added: %s\n",
			       p->tap_name, strerror(-rc));
	}
}

static void
print_ready(void)
{
	printf("callplane-dp %s: ready, %u worker(s), media ports %u-%u\n",
	       PROJECT_VERSION, dp.n_workers, dp.media_min, dp.media_max);
	printf("  srtp engine %s%s%s\n", srtp_engine_name((enum srtp_engine)dp.cfg->dp.srtp.engine),
	       dp.cfg->dp.srtp.engine == SRTP_ENGINE_IPSECMB ? ", ipsec-mb arch " : "",
	       dp.cfg->dp.srtp.engine == SRTP_ENGINE_IPSECMB ? srtp_xf_imb_arch() : "");
	if (dp.cfg->dp.srtp.engine == SRTP_ENGINE_LIBSRTP && dp.cfg->dp.ng.session_limit > 2000)
		/* bench/relay_memif.sh: with 10,000 SRTP calls the libsrtp
		 * engine relayed about 11,000 packets/s per core (NSS walks
		 * chains of its sessions on every packet) */
		printf("  warning: srtp engine libsrtp with ng.session_limit %u: each libsrtp (NSS)\n"
		       "  packet costs more the more contexts are alive (about 90 us at 10,000 SRTP\n"
		       "  calls). ipsec-mb is the engine for this scale.\n",
		       dp.cfg->dp.ng.session_limit);
	for (unsigned i = 0; i < dp.n_ports; i++) {
		const struct dp_port *p = &dp.ports[i];
		char mac[RTE_ETHER_ADDR_FMT_SIZE], a4[INET_ADDRSTRLEN] = "-",
		     a6[INET6_ADDRSTRLEN] = "-";

		rte_ether_format_addr(mac, sizeof(mac), &p->mac);
		if (p->has4)
			inet_ntop(AF_INET, &p->ip4, a4, sizeof(a4));
		if (p->has6)
			inet_ntop(AF_INET6, p->ip6, a6, sizeof(a6));
		printf("  port %s: mac %s ipv4 %s ipv6 %s rxq %u txq %u exception tap %s\n",
		       p->name, mac, a4, a6, p->n_rxq, p->n_txq,
		       p->has_tap ? p->tap_name : "none");
		for (unsigned k = 0; k < p->n_xip4; k++) {
			inet_ntop(AF_INET, &p->xip4[k], a4, sizeof(a4));
			printf("%s%s%s", k ? " " : "    media-only ipv4 ", a4,
			       k + 1 == p->n_xip4 ? "\n" : "");
		}
	}
	fflush(stdout);
}

/* A fatal error once the recorder runs: its closer thread is stopped
 * before the EAL memory it reads goes away with the process. */
static void __rte_noreturn __rte_format_printf(1, 2)
die_after_rec(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rec_shutdown();
	rte_exit(EXIT_FAILURE, "%s", msg);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", required_argument, NULL, 'C' },
		{ "file-prefix", required_argument, NULL, 'p' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct eal_argv ea;
	static char devnames[CFG_MAX_PORTS][64];
	const char *config = NULL, *check = NULL, *prefix = NULL;
	const struct cfg_dataplane *c;
	unsigned wi = 0;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "c:Vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': config = optarg; break;
		case 'C': check = optarg; break;
		case 'p': prefix = optarg; break;
		case 'V': printf("callplane-dp %s\n", PROJECT_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || (config == NULL) == (check == NULL)) {
		fprintf(stderr, "callplane-dp: give exactly one of -c FILE or --check-config FILE\n");
		usage(stderr);
		return 2;
	}
	if (check != NULL) {
		if (load_config(check, &dp.cfg) < 0)
			return 1;
		printf("%s: valid (%u port(s), %u interface(s), %u lcore(s))\n", check,
		       dp.cfg->dp.n_ports, dp.cfg->dp.n_interfaces, dp.cfg->dp.n_lcores);
		cfg_free(dp.cfg);
		return 0;
	}
	if (load_config(config, &dp.cfg) < 0)
		return 1;
	c = &dp.cfg->dp;
	dp.media_min = (uint16_t)c->media.port_min;
	dp.media_max = (uint16_t)c->media.port_max;
	dp.main_lcore = c->eal.main_lcore;

	build_eal_args(&ea, argv[0], prefix, devnames);
	rc = rte_eal_init(ea.argc, ea.argv);
	if (rc < 0)
		rte_exit(EXIT_FAILURE, "EAL init failed: %s\n", rte_strerror(rte_errno));
	dp.start_tsc = rte_get_timer_cycles();

	for (uint32_t i = 0; i < c->n_lcores; i++) {
		dp.lcore_roles[c->lcores[i].id] = c->lcores[i].roles;
		if (!(c->lcores[i].roles & CFG_ROLE_WORKER))
			continue;
		if (!rte_lcore_is_enabled(c->lcores[i].id))
			rte_exit(EXIT_FAILURE, "lcore %u is not enabled\n", c->lcores[i].id);
		dp.workers[wi].lcore = c->lcores[i].id;
		dp.workers[wi].index = wi;
		dp.workers[wi].roles = c->lcores[i].roles;
		wi++;
	}
	dp.n_workers = wi;

	dp.pool = rte_pktmbuf_pool_create("mbufs", c->mempool.mbufs, c->mempool.cache,
					  0, RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (dp.pool == NULL)
		rte_exit(EXIT_FAILURE, "mbuf pool of %u: %s (raise dataplane.eal.memory_mb)\n",
			 c->mempool.mbufs, rte_strerror(rte_errno));

	setup_ports(devnames);
	setup_taps();
	/* stream map slots: port i's own address is slot i, then every
	 * media-only address of every port */
	dp.n_slots = dp.n_ports;
	for (unsigned i = 0; i < dp.n_ports; i++) {
		dp.slot_ip4[i] = dp.ports[i].ip4;
		dp.slot_port[i] = (uint16_t)i;
	}
	for (unsigned i = 0; i < dp.n_ports; i++) {
		struct dp_port *p = &dp.ports[i];

		p->xslot0 = (uint16_t)dp.n_slots;
		for (unsigned k = 0; k < p->n_xip4; k++) {
			dp.slot_ip4[dp.n_slots] = p->xip4[k];
			dp.slot_port[dp.n_slots++] = (uint16_t)i;
		}
	}
	rc = flow_init(c->media.max_streams, dp.n_workers, dp.n_slots);
	if (rc < 0)
		rte_exit(EXIT_FAILURE, "stream table of %u: %s\n", c->media.max_streams,
			 rte_strerror(-rc));
	rc = dp_workers_init();
	if (rc == 0)
		rc = dtmf_init();
	if (rc == 0)
		rc = dsp_init(c->media.max_streams);
	if (rc < 0)
		rte_exit(EXIT_FAILURE, "worker rings: %s\n", rte_strerror(-rc));
	rc = rec_init(c->media.max_streams);
	if (rc < 0)
		rte_exit(EXIT_FAILURE, "recorder: %s\n", rte_strerror(-rc));
	rc = host_init();
	if (rc < 0)
		die_after_rec("host stack: %s\n", rte_strerror(-rc));
	dp_stats_telemetry_init();
	rc = events_init();
	if (rc < 0)
		die_after_rec("event channel: %s\n", strerror(-rc));
	rc = ngsrv_init();
	if (rc < 0)
		die_after_rec("NG server: %s\n", strerror(-rc));

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	for (unsigned i = 0; i < dp.n_workers; i++) {
		rc = rte_eal_remote_launch(dp_worker_main, &dp.workers[i], dp.workers[i].lcore);
		if (rc < 0)
			rte_exit(EXIT_FAILURE, "launch worker on lcore %u: %s\n",
				 dp.workers[i].lcore, rte_strerror(-rc));
	}
	/* dsp and recorder lcores that are not workers run their own loop
	 * (a recorder's also runs the detectors if it has the dsp role) */
	for (unsigned l = 0; l < RTE_MAX_LCORE; l++)
		if (l != dp.main_lcore && rte_lcore_is_enabled(l) &&
		    (dp.lcore_roles[l] & (CFG_ROLE_DSP | CFG_ROLE_RECORDER)) &&
		    !(dp.lcore_roles[l] & CFG_ROLE_WORKER)) {
			rc = rte_eal_remote_launch((dp.lcore_roles[l] & CFG_ROLE_RECORDER) ? rec_main :
						   dsp_main, NULL, l);
			if (rc < 0)
				rte_exit(EXIT_FAILURE, "launch dsp on lcore %u: %s\n", l,
					 rte_strerror(-rc));
		}
	print_ready();
	svc_notifyf("READY=1\nMAINPID=%d\nSTATUS=relaying: %u worker(s), %u port(s)",
		    (int)getpid(), dp.n_workers, dp.n_ports);

	while (!dp.quit) {
		if (host_poll() + ngsrv_poll() + ngsrv_dtmf_poll() + ngsrv_play_poll() +
		    dsp_poll(dp.main_lcore) + rec_poll(dp.main_lcore) + rec_events_poll() == 0 &&
		    c->idle.backoff)
			rte_delay_us_sleep(c->idle.sleep_us);
	}

	printf("callplane-dp: stopping\n");
	svc_notify("STOPPING=1");
	rte_eal_mp_wait_lcore();
	/* recordings in progress are finished, their events sent */
	rec_shutdown();
	for (unsigned i = 0; i < dp.n_ports; i++) {
		rte_eth_dev_stop(dp.ports[i].port_id);
		if (dp.ports[i].has_tap)
			rte_eth_dev_stop(dp.ports[i].tap_id);
	}
	printf("final counters:\n");
	dp_stats_report(stdout);
	fflush(stdout);
	for (unsigned i = 0; i < dp.n_ports; i++) {
		rte_eth_dev_close(dp.ports[i].port_id);
		if (dp.ports[i].has_tap)
			rte_eth_dev_close(dp.ports[i].tap_id);
	}
	ngsrv_fini();
	events_fini();
	rec_fini();
	dsp_fini();
	dtmf_fini();
	flow_fini();
	host_fini();
	rte_eal_cleanup();
	cfg_free(dp.cfg);
	printf("callplane-dp: stopped\n");
	return 0;
}
