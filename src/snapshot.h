/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One frame's read-only copy of the state: what the view and every export draw from. Strings
 * are already made printable, addresses already formatted, rows already sorted.
 */
#ifndef CONNTOP_SNAPSHOT_H
#define CONNTOP_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "addr.h"
#include "source.h"
#include "tracker.h"

/* A sanitized comm: each of 15 bytes may become a 4-byte escape. */
#define SNAP_COMM_LEN (4 * 15 + 1)

struct snap_conn {
	uint64_t cookie;
	uint64_t age_ns; /* open: time since open; closed: how long it lived */
	uint64_t cgroup_id;
	uint32_t pid; /* 0 when the owner is not known */
	uint32_t netns;
	uint8_t family;
	uint8_t state;
	uint8_t dir; /* enum conn_dir */
	bool closed; /* closed since the previous frame */
	uint16_t lport, rport;
	char comm[SNAP_COMM_LEN];
	char local[ADDR_PORT_LEN];
	char remote[ADDR_PORT_LEN];
};

struct snap_stats {
	struct tracker_stats tracker;
	struct source_stats source;
	uint64_t lost; /* everything the kernel side dropped: ring full and skipped runs */
};

struct snapshot {
	uint64_t now_ns; /* CLOCK_MONOTONIC, the clock of the records */
	struct timespec wall; /* CLOCK_REALTIME when taken */
	struct snap_stats stats;
	size_t nconns;
	struct snap_conn *conns;
};

/* @source may be NULL. Returns NULL when out of memory. */
struct snapshot *snapshot_take(const struct tracker *tracker, const struct source_stats *source,
			       uint64_t now_ns, struct timespec wall);
void snapshot__free(struct snapshot *snap);

/* "12.3s", "4m05s", "3h07m", "2d04h": how long, in at most 6 characters. */
void format_age(char *buf, size_t size, uint64_t ns);

#endif /* CONNTOP_SNAPSHOT_H */
