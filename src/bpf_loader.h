/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The eBPF event source: open -> configure -> load -> attach the programs, then hand each record
 * to a callback. Every exit path detaches: the links are file descriptors, so even kill -9 leaves
 * nothing attached.
 *
 * Two transports, one set of programs: the BPF ring buffer (one buffer, records in the order
 * they were reserved), or, where the kernel has none (before 5.8) or when asked, per-CPU perf
 * buffers, whose records are merged by timestamp with a watermark (src/reorder.h) before they
 * reach the callback.
 */
#ifndef CONNTOP_BPF_LOADER_H
#define CONNTOP_BPF_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>
#include "conntop/event.h"

#include "source.h"

#define BPF_DEFAULT_RINGBUF_SIZE (8u << 20)
#define BPF_DEFAULT_PENDING_MAX	 65536u
#define BPF_DEFAULT_TRAFFIC_MAX	 262144u

struct bpf_source_opts {
	/*
	 * Bytes; a power of two, at least a page. The ring buffer's size; with perf buffers the
	 * same total split over the possible CPUs: each CPU's buffer is ringbuf_size / CPUs,
	 * rounded down to a power of two, at least a page (8 MiB on 2 CPUs: 4 MiB each).
	 */
	size_t ringbuf_size;
	size_t pending_max; /* connects/accepts in progress remembered at once */
	size_t traffic_max; /* the hash map (not socket storage): sockets counted at once */
	enum traffic_mode traffic; /* TRAFFIC_AUTO, or what the user asked for */
	enum transport transport; /* TRANSPORT_AUTO: the ring buffer if the kernel has it */
	enum hooks hooks; /* HOOKS_AUTO: the first variant the kernel loads and attaches */
	size_t reorder_max; /* perf buffers: records held for ordering at most; 0 the default */
};

struct bpf_source;

/*
 * Loads and attaches. On failure logs one line naming the cause and what to do, and returns a
 * negative errno.
 */
int bpf_source__open(struct bpf_source **out, const struct bpf_source_opts *opts,
		     record_fn on_record, void *ctx);
void bpf_source__free(struct bpf_source *src);

/*
 * Becomes readable when the programs ask for an early drain: a quarter of the ring, or of one
 * CPU's perf buffer, is waiting.
 */
int bpf_source__fd(const struct bpf_source *src);

/*
 * Hands the records waiting to the callback. Returns how many, or -errno.
 * Ring buffer: DRAIN_SOME takes at most DRAIN_BUDGET, so that frames and keys are served between
 * drains under any load (the fd stays readable while records wait); DRAIN_NOW_WAITING takes as
 * many as the ring can hold, so every record written before the call is taken, and returns even
 * while the kernel keeps writing. Perf buffers: both read what is there at the call: reads CLOCK_MONOTONIC first (the watermark), takes in
 * every CPU's buffer, then hands on, in timestamp order, those older than the watermark; the
 * others wait for the next drain. A record that comes after newer ones were handed on (its CPU
 * stalled) is handed on at once and counted as late (source_stats.late_records).
 */
int bpf_source__drain(struct bpf_source *src, enum drain_until until);

void bpf_source__read_stats(const struct bpf_source *src, struct source_stats *stats);

/*
 * Whether the records carry socket cookies: the hooks that run as tracing programs (tp_btf,
 * fentry) can ask for them; kprobes and raw and classic tracepoints cannot (records then name
 * sockets by tuple: see tracker_identify()).
 */
bool bpf_source__has_cookies(const struct bpf_source *src);

/* "eBPF tp_btf, ringbuf": the hooks and the transport in use, for the header. */
void bpf_source__describe(const struct bpf_source *src, char *buf, size_t size);

/*
 * How bytes are counted: TRAFFIC_BPF when the kernel has the send/receive tracepoints and it was
 * not turned off (in socket storage or, TRAFFIC_BPF_HASH asked or no other way, the hash map), TRAFFIC_SOCKDIAG when it has not (the caller then reads sock_diag), or
 * TRAFFIC_OFF.
 */
enum traffic_mode bpf_source__traffic_mode(const struct bpf_source *src);

/* Called with each socket's counts. */
typedef void (*traffic_fn)(void *ctx, uint64_t cookie, const struct ct_traffic *traffic);

/*
 * Reads every socket's counts: their socket storage through the iterator, or the whole traffic
 * hash map in batches. Returns how many sockets, or -errno.
 */
int bpf_source__read_traffic(struct bpf_source *src, traffic_fn fn, void *ctx);

/*
 * Who holds each socket: @fn once per socket file of every process (the socket's inode and the
 * pid that holds it; 0 to go on, or a negative errno to stop with it), from the kernel's iterator
 * over every process's files. Safe beside the other calls, from another thread. 0 or a negative
 * errno: -ENOTSUP when the kernel has no such iterator (bpf_source__has_owners()).
 */
typedef int (*owner_fn)(void *ctx, uint32_t inode, int pid);
bool bpf_source__has_owners(const struct bpf_source *src);
int bpf_source__socket_owners(struct bpf_source *src, owner_fn fn, void *ctx);

/* Checks a --ringbuf-size value. 0 or -EINVAL. */
int bpf_check_ringbuf_size(size_t size);

#endif /* CONNTOP_BPF_LOADER_H */
