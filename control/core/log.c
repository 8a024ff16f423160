/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

const char *const cp_log_level_names[] = { "error", "warning", "info", "debug", NULL };
int cp_log_level = CP_LOG_INFO;

int
cp_log_level_parse(const char *name)
{
	for (int i = 0; cp_log_level_names[i] != NULL; i++)
		if (strcmp(name, cp_log_level_names[i]) == 0)
			return i;
	return -1;
}

void
cp_log(int level, const char *fmt, ...)
{
	/* syslog priorities: err, warning, info, debug */
	static const int prio[] = { 3, 4, 6, 7 };
	static int journal = -1;
	char line[1024];
	va_list ap;

	if (level > cp_log_level)
		return;
	if (journal < 0)
		journal = getenv("JOURNAL_STREAM") != NULL;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (journal)
		fprintf(stderr, "<%d>callplane-cp: %s\n", prio[level], line);
	else
		fprintf(stderr, "callplane-cp: %s%s%s\n",
			level < CP_LOG_INFO ? cp_log_level_names[level] : "",
			level < CP_LOG_INFO ? ": " : "", line);
}
