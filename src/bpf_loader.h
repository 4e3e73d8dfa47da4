/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The eBPF event source: open -> configure -> load -> attach the programs, then hand each ring
 * buffer record to a callback. Every exit path detaches: the links are file descriptors, so even
 * kill -9 leaves nothing attached.
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
	size_t ringbuf_size; /* bytes; a power of two, at least a page */
	size_t pending_max; /* connects/accepts in progress remembered at once */
	size_t traffic_max; /* sockets whose bytes are counted at once */
	enum traffic_mode traffic; /* TRAFFIC_AUTO, or what the user asked for */
};

struct bpf_source;

/*
 * Loads and attaches. On failure logs one line naming the cause and what to do, and returns a
 * negative errno.
 */
int bpf_source__open(struct bpf_source **out, const struct bpf_source_opts *opts,
		     record_fn on_record, void *ctx);
void bpf_source__free(struct bpf_source *src);

/* Becomes readable when the programs ask for an early drain (the ring is filling up). */
int bpf_source__fd(const struct bpf_source *src);

/* Hands every record waiting in the ring to the callback. Returns how many, or -errno. */
int bpf_source__drain(struct bpf_source *src);

void bpf_source__read_stats(const struct bpf_source *src, struct source_stats *stats);

/*
 * How bytes are counted: TRAFFIC_BPF when the kernel has the send/receive tracepoints and it was
 * not turned off, TRAFFIC_SOCKDIAG when it has not (the caller then reads sock_diag), or
 * TRAFFIC_OFF.
 */
enum traffic_mode bpf_source__traffic_mode(const struct bpf_source *src);

/* Called with each socket's counts in the traffic map. */
typedef void (*traffic_fn)(void *ctx, uint64_t cookie, const struct ct_traffic *traffic);

/* Reads the whole traffic map, in batches. Returns how many sockets, or -errno. */
int bpf_source__read_traffic(struct bpf_source *src, traffic_fn fn, void *ctx);

/* Checks a --ringbuf-size value. 0 or -EINVAL. */
int bpf_check_ringbuf_size(size_t size);

#endif /* CONNTOP_BPF_LOADER_H */
