/* SPDX-License-Identifier: BSD-3-Clause */
/* Small string helpers the control plane's modules share. Any thread. */
#ifndef CP_STR_H
#define CP_STR_H

#include <stdint.h>

/* vasprintf into a new string; NULL on failure. */
char *cp_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* FNV-1a of a C string, for hash tables. */
uint32_t cp_hash(const char *s);

#endif
