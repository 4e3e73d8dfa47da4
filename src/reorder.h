/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Merges records that come from several per-CPU streams (perf buffers) into timestamp order, with a
 * watermark. Pure: no BPF, no I/O, no clock; the caller says what time it is.
 *
 * Each record starts with its timestamp (a __u64, CLOCK_MONOTONIC ns, as struct ct_event does).
 * Before a drain the caller reads the clock (the watermark), pushes what every CPU's buffer holds,
 * then releases, in timestamp order (arrival order for equal ones), every record older than the
 * watermark: a CPU that had written nothing newer by then cannot write anything older later, so
 * what is released is in order. The rest waits for the next drain.
 *
 * Except when a CPU stalled between taking a record's timestamp and writing it (a virtual CPU can,
 * for ~100 ms): its record then arrives after newer ones were released. Such a record is late: it
 * is released at the next release call, before anything else, and counted; the consumer (the
 * tracker's tombstones) applies it as in-order delivery would have.
 *
 * Memory is bounded: beyond max_held records, the oldest are released early, regardless of the
 * watermark (counted as forced); nothing is ever dropped.
 */
#ifndef CONNTOP_REORDER_H
#define CONNTOP_REORDER_H

#include <stddef.h>
#include <stdint.h>

/*
 * Only records written while a drain runs wait (a stalled CPU's come late, they do not wait):
 * 65536 of 128 bytes, the default ring's 8 MiB, is far more than a drain leaves behind.
 */
#define REORDER_DEFAULT_MAX_HELD (1u << 16)

struct reorder_opts {
	size_t max_held; /* records held at most; 0: REORDER_DEFAULT_MAX_HELD */
	size_t record_size; /* typical record size: kept in recycled blocks; longer ones allocated */
};

struct reorder_stats {
	uint64_t pushed; /* records taken in */
	uint64_t released; /* records handed on */
	uint64_t late; /* records older than one already released, released at once */
	uint64_t forced; /* released before the watermark passed them: over max_held */
	uint64_t unkeyed; /* too short to hold a timestamp: handed on at once, in arrival order */
	uint64_t held; /* records waiting now */
	uint64_t max_held; /* the most ever waiting at once */
	uint64_t late_max_ns; /* the most a late record was behind the newest one released */
};

/* Called with each record released; the data is valid only during the call. */
typedef int (*reorder_fn)(void *ctx, const void *data, size_t size);

struct reorder;

struct reorder *reorder__new(const struct reorder_opts *opts);
/* Frees what is still held without handing it on (reorder_flush() first to keep it). */
void reorder__free(struct reorder *r);

/*
 * Takes a copy of a record from @cpu's stream. Returns 0; 1 when more than max_held records now
 * wait (call reorder_release() soon, with a watermark of 0 if the drain is not over: only the
 * excess goes); -ENOMEM when it could not be kept (the caller hands it on itself, out of order).
 */
int reorder_push(struct reorder *r, int cpu, const void *data, size_t size);

/*
 * Hands on to @fn, oldest first: late and unkeyed records, every record with a timestamp older
 * than @watermark_ns, and the oldest beyond max_held. Returns how many. @fn must not push or
 * release on @r.
 */
size_t reorder_release(struct reorder *r, uint64_t watermark_ns, reorder_fn fn, void *ctx);

/* Hands on everything held, oldest first (at exit). Returns how many. */
size_t reorder_flush(struct reorder *r, reorder_fn fn, void *ctx);

void reorder_read_stats(const struct reorder *r, struct reorder_stats *stats);

#endif /* CONNTOP_REORDER_H */
