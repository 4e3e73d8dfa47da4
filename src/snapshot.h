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
#include "resolve.h"
#include "seed.h"
#include "source.h"
#include "topology.h"
#include "tracker.h"

/* A sanitized comm: each of 15 bytes may become a 4-byte escape. */
#define SNAP_COMM_LEN (4 * 15 + 1)

/* Names people read: sanitized, cut to fit. */
#define SNAP_NAME_LEN 200

/* Where a process runs: its container, if any. */
struct snap_container {
	char runtime[16]; /* "docker", "containerd", ...; "" when not in a container */
	char id[80]; /* full id, or the name for nspawn, LXC and services */
	char name[SNAP_NAME_LEN]; /* a human name, or the short id */
	char pod[SNAP_NAME_LEN]; /* "namespace/pod" under Kubernetes, else "" */
};

/* What the rows of one process share, once per snapshot rather than in every row. */
struct snap_proc {
	uint32_t pid;
	char comm[SNAP_COMM_LEN];
	struct snap_container container;
};

#define SNAP_NO_PROC 0

/*
 * A connection: numbers only, so that a frame of 100,000 rows stays small (112 bytes a row). Its
 * process's name and container are in snap->procs; its addresses are made text where they are
 * printed (snap_conn_local(), snap_conn_remote()).
 */
struct snap_conn {
	uint64_t cookie;
	uint64_t age_ns; /* open: time since open; closed: how long it lived; seeded: since seen */
	uint64_t cgroup_id;
	uint64_t bytes_sent,
		bytes_received; /* as this socket saw them: its final counts once closed */
	uint64_t sent_delta,
		received_delta; /* since the previous frame (0 for a seeded one's past) */
	uint32_t pid; /* 0 when the owner is not known */
	uint32_t netns;
	uint32_t retransmits; /* segments this socket retransmitted */
	uint32_t proc; /* 1 + its process's shared part in snap->procs; SNAP_NO_PROC: unknown */
	uint16_t lport, rport;
	uint8_t family;
	uint8_t state;
	uint8_t dir : 1; /* enum conn_dir */
	bool closed : 1; /* closed since the previous frame */
	bool seeded : 1; /* open before conntop looked: age unknown */
	bool fresh : 1; /* opened since the previous frame */
	uint8_t laddr[16], raddr[16]; /* network order; IPv4 in the first 4 bytes */
};

#define SNAP_MAX_LISTEN 16

struct snap_node {
	uint8_t kind; /* enum node_kind */
	uint32_t pid; /* NODE_PROCESS */
	uint64_t start_ticks; /* NODE_PROCESS: with the pid, its identity (tracker.h) */
	uint32_t ppid; /* NODE_PROCESS: 0 when unknown */
	uint32_t netns; /* NODE_PROCESS: of its first socket seen */
	uint64_t cgroup_id; /* NODE_PROCESS: from /proc; 0 unknown */
	char comm[SNAP_COMM_LEN];
	char name[SNAP_NAME_LEN]; /* "comm[pid]", or the address */
	char user[PROCFS_USER_SIZE];
	char cmdline[PROCFS_CMDLINE_SIZE];
	char netns_name[SNAP_NAME_LEN]; /* `ip netns` name, or "" */
	struct snap_container container;
	uint16_t listening[SNAP_MAX_LISTEN]; /* ports, sorted */
	uint8_t nlistening;
	uint32_t conns_in, conns_out; /* open connections now */
	uint32_t opened; /* its connections opened since the previous frame */
	/* Its own sockets' traffic, over the connections this frame shows (open or just closed). */
	uint64_t bytes_sent, bytes_received; /* their totals */
	uint64_t sent_delta, received_delta; /* since the previous frame */
};

struct snap_edge {
	size_t client, server; /* indices into nodes */
	uint16_t port;
	uint32_t active;
	uint64_t opened, closed;
	/* In the client's view, each connection once (struct edge): totals, then this frame's. */
	uint64_t bytes_sent, bytes_received, retransmits;
	uint64_t sent_delta, received_delta;
};

/* Room for "name@container", the longest label an edge end has. */
#define SNAP_LABEL_LEN (2 * SNAP_NAME_LEN + 2)

/* An edge rolled up to groups: containers, or network namespaces. */
struct snap_group_edge {
	char client[SNAP_LABEL_LEN], server[SNAP_LABEL_LEN];
	uint16_t port;
	uint32_t active;
	uint64_t opened, closed;
	uint64_t bytes_sent, bytes_received, retransmits;
};

enum rollup {
	ROLLUP_CONTAINER, /* a process's container, else "host"; addresses stay themselves */
	ROLLUP_NETNS, /* a process's netns name or inode; addresses stay themselves */
};

struct snap_stats {
	struct tracker_stats tracker;
	struct source_stats source;
	struct topology_stats topology;
	struct seed_stats seed;
	uint64_t lost; /* everything the kernel side dropped: ring full and skipped runs */
	uint64_t cgroup_mismatch; /* sockets whose cgroup is not their process's (/proc) */
};

/* Room for a host name or a kernel release (as uname gives them), made printable. */
#define SNAP_HOST_LEN (4 * 64 + 1)

struct snapshot {
	uint64_t now_ns; /* CLOCK_MONOTONIC, the clock of the records */
	struct timespec wall; /* CLOCK_REALTIME when taken */
	uint64_t interval_ns; /* since the previous frame; 0 for the first: no rates yet */
	uint64_t frame_events; /* records applied since the previous frame */
	char host[SNAP_HOST_LEN];
	char kernel[SNAP_HOST_LEN];
	char source[32]; /* where records come from, for people: "eBPF tp_btf, ringbuf" */
	bool replay; /* shown from a recording: the header says "replay of" the source */
	char source_kind[8]; /* the same for scripts: "ebpf" or "proc" */
	struct snap_stats stats;
	size_t nconns, nnodes, nedges, nprocs;
	struct snap_conn *conns; /* open first, then by pid, direction, local address (as text) */
	struct snap_proc *procs; /* what the rows of each process share */
	int addr_width; /* the longest address of conns as text; 0: not known yet */
	size_t conns_cap, procs_cap, nodes_cap, edges_cap; /* allocated: for snapshot_input.reuse */
	struct snap_node *nodes; /* processes by pid, then addresses */
	struct snap_edge *edges; /* by server, port, client */
	/*
	 * Private to snapshot.c, for the next frame taken into this one's memory: the tracker slots
	 * of the open rows, in row order, of the frame order_frame. They lie after the rows, in
	 * memory allocated for them with the rows (order_rows: the rows it was allocated with).
	 */
	const uint32_t *order;
	size_t norder;
	uint64_t order_frame;
	const struct snap_conn *order_rows;
};

struct snapshot_input {
	const struct tracker *tracker;
	const struct topology *topology; /* may be NULL: no edges */
	const struct resolver *resolver; /* may be NULL: no netns names */
	const struct source_stats *source; /* may be NULL */
	const struct seed_stats *seed; /* may be NULL */
	const struct snapshot *prev; /* the frame before, for rates; NULL for the first */
	/*
	 * A snapshot no longer needed, or NULL: the new one takes over its memory, so that a frame
	 * neither allocates its arrays afresh nor faults their pages in. It may be @prev. It is
	 * gone after the call, whatever the result (freed when the new one fails).
	 */
	struct snapshot *reuse;
	/*
	 * Which connections get a row, or NULL for all: a batch frame that prints a few rows need
	 * not write (and keep) 100,000. Processes, edges and counters still count every connection.
	 */
	bool (*keep_row)(const struct snapshot *snap, const struct snap_conn *row, const void *ctx);
	const void *keep_ctx;
	const char *host, *kernel, *source_name; /* for the header; may be NULL */
	bool replay; /* the frames come from a recording */
	const char *source_kind; /* "ebpf" or "proc"; may be NULL */
	uint64_t now_ns;
	struct timespec wall;
};

/* Returns NULL when out of memory. */
struct snapshot *snapshot_take(const struct snapshot_input *in);
void snapshot__free(struct snapshot *snap);

/*
 * The edges of @snap summed per pair of groups and port. Returns how many were written to
 * @out (allocated; free() it), or -ENOMEM.
 */
int snapshot_rollup(const struct snapshot *snap, enum rollup by, struct snap_group_edge **out);

/* The name of @conn's process ("" when not known), and its container (runtime "" when none). */
const char *snap_conn_comm(const struct snapshot *snap, const struct snap_conn *conn);
const struct snap_container *snap_conn_container(const struct snapshot *snap,
						 const struct snap_conn *conn);

/* The ends of @conn as text, "a.b.c.d:port" or "[v6]:port"; the length, as addr_format(). */
int snap_conn_local(const struct snap_conn *conn, char *buf, size_t size);
int snap_conn_remote(const struct snap_conn *conn, char *buf, size_t size);

/* The longest address of @snap's connections as text (0 without any). */
int snapshot_addr_width(const struct snapshot *snap);

/* "12.3s", "4m05s", "3h07m", "2d04h": how long, in at most 6 characters. */
void format_age(char *buf, size_t size, uint64_t ns);

/*
 * An amount of bytes for people, in powers of 1024 as top and htop show memory: "0", "1023",
 * "1.0K", "340K", "1.5M", "16E". At most 5 characters; the unit letter is all the suffix.
 */
void format_bytes(char *buf, size_t size, uint64_t bytes);

/* A rate in bytes per second the same way ("1.2M"); "-" when negative (no interval yet). */
void format_byte_rate(char *buf, size_t size, double rate);

/* Bytes per second: @bytes moved over the snapshot's interval; -1 when it has none (first frame). */
double snapshot_rate(const struct snapshot *snap, uint64_t bytes);

#endif /* CONNTOP_SNAPSHOT_H */
