/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The service manager's readiness protocol (Type=notify): one datagram of
 * "KEY=value" lines to $NOTIFY_SOCKET (a path, or '@' for an abstract
 * name). Without $NOTIFY_SOCKET it does nothing, so the daemons run the
 * same by hand, under systemd, or under a test that listens itself.
 */
#ifndef CP_NOTIFY_H
#define CP_NOTIFY_H

/* Sends @state ("READY=1\nSTATUS=..."). 1 sent, 0 no manager, -errno. */
int svc_notify(const char *state);
/* printf-style. */
int svc_notifyf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
