/* SPDX-License-Identifier: GPL-2.0-only */
/* The clock of records, frames and watermarks: CLOCK_MONOTONIC, bpf_ktime_get_ns()'s. */
#ifndef CONNTOP_CLOCK_H
#define CONNTOP_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif /* CONNTOP_CLOCK_H */
