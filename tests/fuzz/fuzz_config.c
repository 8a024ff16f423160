/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: the YAML config loader on arbitrary files. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/mman.h>

#include "cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char err[4096];
	static int fd = -1;
	char path[64];
	struct cfg *c = NULL;

	if (fd < 0)
		fd = memfd_create("fuzzcfg", 0);
	if (fd < 0 || ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (cfg_load(&c, path, err, sizeof(err)) == 0)
		cfg_free(c);
	return 0;
}
