/* SPDX-License-Identifier: GPL-2.0-only */
/* What an event source (the BPF programs, later a recording or /proc) counts about itself. */
#ifndef CONNTOP_SOURCE_H
#define CONNTOP_SOURCE_H

#include <stddef.h>
#include <stdint.h>

struct source_stats {
	/* Records dropped because the ring buffer was full. */
	uint64_t lost;
	/* Program runs the kernel skipped (already running on that CPU) that nothing handled. */
	uint64_t recursion_misses;
	/* Skipped runs that the nested copy handled instead: not lost. */
	uint64_t nested_rescued;
	/* Connects/accepts not remembered: the pending map was full. */
	uint64_t pending_full;
	/* Connects that never completed: not a loss. */
	uint64_t connect_failed;
	/* Sockets whose bytes were not counted: the traffic map was full. */
	uint64_t traffic_full;
	/* Sends, receives or retransmits not counted: the kernel skipped the program. */
	uint64_t traffic_skipped;
};

/* Where each connection's bytes come from. */
enum traffic_mode {
	TRAFFIC_AUTO, /* as the kernel allows: BPF when it has the tracepoints, else sock_diag */
	TRAFFIC_BPF, /* counted in the kernel at each send and receive, read once per refresh */
	TRAFFIC_SOCKDIAG, /* tcp_info from a sock_diag dump at each refresh */
	TRAFFIC_OFF,
};

/* Called with each raw record, in delivery order. */
typedef int (*record_fn)(void *ctx, const void *data, size_t size);

#endif /* CONNTOP_SOURCE_H */
