/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker lcores: rx burst -> classify -> (media | host ring | drop) and
 * transmit of what the main lcore hands them. Setup runs on the main lcore
 * at boot; dp_worker_main() is the lcore entry point.
 */
#ifndef DP_WORKER_H
#define DP_WORKER_H

#include "dp.h"

/* Creates the rings of every worker. Main lcore, boot. 0 or -errno. */
int dp_workers_init(void);

/* lcore_function_t for rte_eal_remote_launch(); arg is struct dp_worker *. */
int dp_worker_main(void *arg);

#endif
