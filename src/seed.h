/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The TCP sockets that exist now, in every network namespace that has a process or an `ip netns`
 * name: at start, the connections and listeners opened before conntop looked; every few seconds
 * after, the healing pass that closes what lost its close and adds what was missed.
 *
 * A pass is two steps, so the caller can drain the ring buffer in between: every record stamped
 * before the scan began is then applied before the comparison, and a close that merely waited in
 * the ring is not taken for a lost one.
 */
#ifndef CONNTOP_SEED_H
#define CONNTOP_SEED_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conntop/event.h"
#include "procfs.h"
#include "tracker.h"

struct seed_scan {
	uint64_t started_ns; /* CLOCK_MONOTONIC before the first dump; every record's ts */
	struct ct_event *records; /* CT_F_SEEDED records, owners not yet filled */
	uint32_t *inodes; /* the socket inode of each record, to find its owner */
	size_t nrecords, cap;
	uint32_t *netns; /* the namespaces dumped completely */
	size_t nnetns, netns_cap;
	unsigned int errors; /* namespaces that could not be entered or dumped */
	size_t untracked; /* sockets applying it found no room for (a table limit) */
	/* Every namespace a process or /run/netns names was found: one that none names is gone. */
	bool all_found;
	bool entered; /* another namespace was entered: return to ours */
};

struct seed_stats {
	uint64_t passes;
	uint64_t namespaces; /* in the last pass */
	uint64_t namespace_errors; /* in the last pass */
	uint64_t untracked; /* open sockets not tracked in the last pass: a table was full */
	uint64_t sockets; /* in the last pass */
};

/* Dumps every namespace's TCP sockets into @scan. 0 or -errno (-EPERM without CAP_SYS_ADMIN). */
int seed_scan_run(struct seed_scan *scan, const char *root, uint64_t now_ns);
void seed_scan_release(struct seed_scan *scan);

/* Names each socket of @scan as @tracker does (tracker_identify()): before applying or comparing. */
void seed_identify(const struct tracker *tracker, struct seed_scan *scan);

/*
 * Finds who holds each socket: @cb(@cb_ctx, inode, pid) for every socket file of every process.
 * 0 or a negative errno (then /proc is walked instead).
 */
typedef int (*seed_owners_fn)(void *ctx, sockowner_cb cb, void *cb_ctx);

/*
 * A search for the owners of sockets, started now and run in a thread beside what comes next
 * (the dump), for seed_apply_initial(): by @owners(@ctx, ...) when given (the kernel's iterator),
 * else by a walk of every /proc/<pid>/fd. Start it once the programs are attached: a socket made
 * before is then found by it, one made after is named by its own records. NULL when it cannot
 * start: the walk is then made when needed. seed_walk_free() it, used or not.
 */
struct seed_walk *seed_walk_start(const char *root, seed_owners_fn owners, void *ctx);
void seed_walk_free(struct seed_walk *walk);

/*
 * Applies a first scan: owners from /proc (from @walk when not NULL), every socket as a seeded
 * open or listen.
 */
void seed_apply_initial(struct tracker *tracker, struct seed_scan *scan, const char *root,
			struct seed_walk *walk);

/* The sockets a healing pass found missing from the tracker, for the next pass to confirm. */
struct seed_missed {
	uint64_t *cookies; /* sorted */
	size_t n;
};

void seed_missed_release(struct seed_missed *missed);

/*
 * Compares a later scan with the tracker and corrects it (tracker_heal_*). A socket the tracker
 * lacks is added only when @missed says the pass before lacked it too: a dump also holds sockets
 * whose records are still on their way (a server's connection waiting in its listener's queue
 * has no accept record until accept() returns), and those would be "corrected" for nothing.
 * @missed NULL adds at once.
 */
void seed_apply_heal(struct tracker *tracker, struct seed_scan *scan, const char *root,
		     struct seed_missed *missed);

/*
 * Polling without eBPF (the /proc source): compares a later scan with the tracker and applies the
 * difference as the records a trace would have given: closes of what went, opens of what came,
 * at the scan's time. What opened and closed between two scans is not seen.
 */
void seed_apply_poll(struct tracker *tracker, struct seed_scan *scan, const char *root);

void seed_count(struct seed_stats *stats, const struct seed_scan *scan);

#endif /* CONNTOP_SEED_H */
