/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The live source: the BPF programs feeding the tracker, the sock_diag pass that seeds what was
 * open before start, and the healing passes that mend what the stream lost. Without eBPF (no
 * privilege, no BTF, BPF refused, or asked for), polling: a sock_diag pass of every namespace
 * and /proc at each refresh, applied as the opens and closes it saw.
 */
#ifndef CONNTOP_LIVE_H
#define CONNTOP_LIVE_H

#include <stdbool.h>
#include <stddef.h>

#include "loop.h"
#include "seed.h"
#include "source.h"
#include "tracker.h"

enum source_choice {
	SOURCE_AUTO, /* eBPF, else polling (saying why) */
	SOURCE_EBPF, /* eBPF or nothing: its failure ends the run */
	SOURCE_PROC, /* polling */
};

struct live_opts {
	enum source_choice source;
	size_t ringbuf_size;
	enum traffic_mode traffic;
	enum transport transport;
	enum hooks hooks;
	double heal_s; /* seconds between healing passes; 0 never */
	const char *root; /* every reader takes a root path: "" for this system */
};

struct live;

/*
 * Loads and attaches the programs, seeds @tracker, and watches the ring and the healing timer in
 * @loop. 0, or -errno with the cause logged in one line.
 */
int live__open(struct live **out, const struct live_opts *opts, struct tracker *tracker,
	       struct loop *loop);
void live__close(struct live *live);

/* Hands records waiting to the tracker (nothing when polling): see bpf_source__drain(). 0, or
 * -errno (logged). */
int live_drain(struct live *live, enum drain_until until);

/*
 * What the tracker needs for a frame: every record waiting, then every open connection's bytes as
 * they are now (the kernel's map, or a sock_diag pass); when polling, the pass itself. 0, or
 * -errno (logged).
 */
int live_collect(struct live *live);

/* What feeds the frames, for the header: "eBPF tracepoints, ring buffer", "/proc polling". */
void live_describe(const struct live *live, char *buf, size_t size);

/* Whether frames come from polling (no eBPF). */
bool live_polling(const struct live *live);

/* How bytes are counted (after live__open). */
enum traffic_mode live_traffic_mode(const struct live *live);

/* What the source counts about itself, and the last sock_diag pass. */
void live_stats(const struct live *live, struct source_stats *source, struct seed_stats *seed);

#endif /* CONNTOP_LIVE_H */
