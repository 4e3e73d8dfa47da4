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
	/* Sockets whose bytes were not counted: no memory for their storage, or the map was full. */
	uint64_t traffic_full;
	/* Sends, receives or retransmits not counted: the kernel skipped the program. */
	uint64_t traffic_skipped;
	/*
	 * Perf buffers: records that came after newer ones had been handed on (their CPU stalled
	 * between taking the timestamp and writing), applied at once: the tracker keeps them right.
	 */
	uint64_t late_records;
};

/* Where each connection's bytes come from. */
enum traffic_mode {
	TRAFFIC_AUTO, /* as the kernel allows: BPF when it has the tracepoints, else sock_diag */
	TRAFFIC_BPF, /* counted in the kernel at each send and receive, read once per refresh */
	TRAFFIC_SOCKDIAG, /* tcp_info from a sock_diag dump at each refresh */
	TRAFFIC_OFF,
	/*
	 * As TRAFFIC_BPF, but in a hash map keyed by cookie, not in each socket's storage: what
	 * kernels without socket storage for tracing programs get (tests, and a way around).
	 */
	TRAFFIC_BPF_HASH,
};

/* How records travel from the BPF programs to user space. */
enum transport {
	TRANSPORT_AUTO, /* the ring buffer when the kernel has it (5.8+), else perf buffers */
	TRANSPORT_RINGBUF, /* one BPF ring buffer */
	TRANSPORT_PERFBUF, /* one perf buffer per CPU, merged by timestamp */
};

/* Which kernel hooks carry a connection's life. */
enum hooks {
	HOOKS_AUTO, /* the first of these the running kernel has */
	HOOKS_TRACEPOINT, /* sock:inet_sock_set_state (4.16+): tp_btf, else raw_tp, else tp */
	HOOKS_FENTRY, /* fentry on inet_sk_state_store/inet_sk_set_state, fexit on inet_csk_accept */
	HOOKS_KPROBE, /* kprobes on the same functions: any kernel with kprobes */
	/* One tracepoint variant exactly (tests, and kernels whose best one misbehaves). */
	HOOKS_TP_BTF,
	HOOKS_RAW_TP,
	HOOKS_TP,
};

/* Called with each raw record, in delivery order. */
typedef int (*record_fn)(void *ctx, const void *data, size_t size);

/* How much a drain of the kernel's records takes: see bpf_source__drain(). */
enum drain_until {
	DRAIN_SOME, /* at most DRAIN_BUDGET: the loop comes back while more waits */
	DRAIN_NOW_WAITING, /* every record written before the call */
};

#define DRAIN_BUDGET 4096

#endif /* CONNTOP_SOURCE_H */
