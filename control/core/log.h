/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * callplane-cp's log: one line per event on stderr (the journal under
 * systemd, which then sees the level through a "<N>" prefix), filtered
 * by a level an admin changes at run time (`callplanectl log level`).
 */
#ifndef CP_LOG_H
#define CP_LOG_H

enum cp_log_level { CP_LOG_ERROR, CP_LOG_WARNING, CP_LOG_INFO, CP_LOG_DEBUG };

extern const char *const cp_log_level_names[];   /* NULL-terminated */
extern int cp_log_level;

void cp_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Level by name; -1 when unknown. */
int cp_log_level_parse(const char *name);

#define CP_ERR(...) cp_log(CP_LOG_ERROR, __VA_ARGS__)
#define CP_WARN(...) cp_log(CP_LOG_WARNING, __VA_ARGS__)
#define CP_INFO(...) do { if (cp_log_level >= CP_LOG_INFO) cp_log(CP_LOG_INFO, __VA_ARGS__); } while (0)
#define CP_DEBUG(...) do { if (cp_log_level >= CP_LOG_DEBUG) cp_log(CP_LOG_DEBUG, __VA_ARGS__); } while (0)

#endif
