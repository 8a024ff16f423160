/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control API's methods: one table that callplane-cp dispatches on and
 * callplanectl parses, completes and documents from (../shared/STYLE.md:
 * one action behind both the CLI and the API). A later feature adds its
 * line here and its handler in api.c; the CLI, its help and completion
 * follow by themselves.
 *
 * X(symbol, "method", "cli words", "help")
 * CLI words: literals, <name> for a required parameter, [name] for an
 * optional last one. The parameter names are the JSON-RPC params keys.
 * Names the shell completes live: <agent>, <queue>, <call>.
 */
#ifndef API_METHODS_H
#define API_METHODS_H

#define API_METHODS(X) \
	X(status, "status", "status", \
	  "calls, agents, queues and the dataplane at a glance") \
	X(version, "version", "version", "versions of callplane-cp and callplane-dp") \
	X(calls_list, "calls.list", "calls list", "calls in progress") \
	X(calls_show, "calls.show", "calls show <call>", "one call: legs, queue, agent, times") \
	X(calls_hangup, "calls.hangup", "calls hangup <call>", \
	  "hang up a call (BYE or final response on both legs, media deleted)") \
	X(agents_list, "agents.list", "agents list", "agents, their state and phones") \
	X(agents_show, "agents.show", "agent <agent> show", "one agent in detail") \
	X(agents_login, "agents.login", "agent <agent> login", \
	  "log an agent in (needs a registered phone)") \
	X(agents_logout, "agents.logout", "agent <agent> logout", \
	  "log an agent out (after the current call, if any)") \
	X(agents_ready, "agents.ready", "agent <agent> ready", "make an agent ready for calls") \
	X(agents_not_ready, "agents.not_ready", "agent <agent> not-ready", \
	  "stop offering calls to an agent") \
	X(queues_list, "queues.list", "queues list", "queues: waiting, longest wait, members") \
	X(queues_show, "queues.show", "queues show <queue>", "one queue with its callers") \
	X(trunks_list, "trunks.list", "trunks list", "carrier trunks and their DIDs") \
	X(registrations_list, "registrations.list", "registrations list", \
	  "registered phones (contacts and expiry)") \
	X(dataplane_status, "dataplane.status", "dataplane status", \
	  "callplane-dp: up, uptime, sessions, streams, ports") \
	X(dataplane_ports, "dataplane.ports", "dataplane ports", \
	  "per-port packet counters and drops") \
	X(dataplane_lcores, "dataplane.lcores", "dataplane lcores", \
	  "per-lcore roles, polls, load and counters") \
	X(dataplane_counters, "dataplane.counters", "dataplane counters", \
	  "every dataplane counter summed over ports and lcores") \
	X(dataplane_sessions, "dataplane.sessions", "dataplane sessions", \
	  "relay sessions (NG calls) in the dataplane") \
	X(dataplane_streams, "dataplane.streams", "dataplane streams <call>", \
	  "a call's media streams: peers, packets, loss, jitter, MOS") \
	X(config_check, "config.check", "config check [file]", \
	  "validate a config file (default: the running one's path) without loading it") \
	X(config_show, "config.show", "config show", "the settings in force (secrets masked)") \
	X(config_reload, "config.reload", "config reload", \
	  "reload the runtime sections from the file; boot-only changes need a restart") \
	X(log_level, "log.level", "log level [level]", \
	  "show or set the log level (error, warning, info, debug)")

/* JSON-RPC error codes: the standard ones and callplane's own. */
#define API_E_PARSE (-32700)
#define API_E_REQUEST (-32600)
#define API_E_METHOD (-32601)
#define API_E_PARAMS (-32602)
#define API_E_INTERNAL (-32603)
#define API_E_NOT_FOUND (-32000)
#define API_E_PERMISSION (-32001)
#define API_E_STATE (-32002)
#define API_E_DATAPLANE (-32003)
#define API_E_CONFIG (-32004)

#endif
