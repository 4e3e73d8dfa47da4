/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The state: connections, listening sockets and the processes that own them, built from records
 * in any order a per-CPU transport can deliver them.
 *
 * Identity: a socket is its cookie (unique per boot, never reused, unlike pids and ports); a process
 * is its pid together with its start time (a reused pid is a new process).
 *
 * Frames: a closed connection is kept, marked closed, until the end of the frame that showed it,
 * so a connection shorter than the refresh is still seen once; totals count every one.
 */
#ifndef CONNTOP_TRACKER_H
#define CONNTOP_TRACKER_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conntop/event.h"
#include "container.h"
#include "procfs.h"

/* /proc gives process start times in clock ticks of 1/100 s (USER_HZ): the unit of identity. */
#define PROC_TICK_NS 10000000ull

enum conn_dir {
	CONN_OUT, /* we connected */
	CONN_IN, /* we accepted */
};

struct proc;

/*
 * A connection, 144 bytes: one of these is kept for every socket, so every field counts (the
 * tracker's share of the 300 bytes a tracked connection may cost).
 */
struct conn {
	uint64_t cookie;
	uint64_t opened_ns; /* record time of the open, CLOCK_MONOTONIC */
	uint64_t closed_ns;
	uint64_t cgroup_id;
	struct proc *proc; /* NULL when the owner is not known */
	/*
	 * Bytes and retransmits as this socket saw them (see struct ct_traffic): now, its base (a
	 * seeded socket's counts from before live counting began) plus live counts; at close the
	 * socket's own. What it had at the end of the previous frame: tracker_conn_shown().
	 */
	struct ct_traffic traffic;
	uint64_t shown_sent, shown_received; /* traffic's bytes before it moved in moved_frame */
	uint32_t netns;
	uint32_t first_frame; /* the frame that showed it first (tracker_frame() when added) */
	uint32_t moved_frame; /* the frame its traffic last changed in */
	uint32_t slot; /* where the tracker keeps it (tracker_conn_at()) */
	/* The topology's, kept across frames; 0 when a new connection takes the slot. */
	uint32_t topo_peer; /* 1 + the slot of the socket it is joined with */
	uint32_t topo_edge; /* 1 + the id of the edge it was counted on */
	uint16_t lport, rport;
	uint8_t family;
	uint8_t state; /* last known TCP state */
	uint8_t dir : 1; /* enum conn_dir */
	bool closed : 1;
	bool seeded : 1; /* found in a sock_diag dump, not seen opening: its age is unknown */
	bool has_base : 1; /* seeded with counts from before: they are kept aside, by cookie */
	bool in_use : 1; /* the slot holds a connection */
	uint8_t topo_state : 3; /* the topology's */
	uint8_t laddr[16], raddr[16];
};

struct proc_key {
	uint32_t pid;
	uint32_t pad; /* zero: the key is hashed as bytes */
	uint64_t start_ticks; /* start after boot in PROC_TICK_NS, as /proc/<pid>/stat says */
};

/* What /proc and the cgroup say about a process, read by resolve.c. Flat: freed with free(). */
struct proc_detail {
	bool gone; /* it had exited (or its pid was reused) when we looked */
	int ppid;
	uint32_t uid;
	uint64_t cgroup_id; /* its cgroup v2 id; 0 when unknown */
	char comm[CT_COMM_LEN]; /* the comm this was read for: a new one (exec) means read again */
	char user[PROCFS_USER_SIZE];
	char cmdline[PROCFS_CMDLINE_SIZE];
	struct container_id container; /* runtime CT_RUNTIME_NONE outside containers */
	struct container_name container_name;
};

struct proc {
	struct proc_key key;
	char comm[CT_COMM_LEN]; /* raw bytes from the kernel: sanitize before showing */
	uint32_t refs; /* connections and listeners that point here */
	struct proc_detail *detail; /* NULL until resolved */
};

struct listener {
	uint64_t cookie;
	struct proc *proc; /* NULL when the owner is not known */
	uint64_t opened_ns; /* record time of the listen (or of the dump that found it) */
	uint32_t netns;
	uint8_t family;
	uint16_t port;
	uint8_t addr[16];
};

struct tracker_stats {
	uint64_t events; /* records applied */
	uint64_t invalid; /* records the decoder rejected */
	uint64_t opened_in; /* accepted connections */
	uint64_t opened_out; /* connected connections */
	uint64_t closed; /* closes of connections we saw open */
	uint64_t close_unseen; /* closes of connections never seen open (before start) */
	uint64_t not_accepted; /* passive connections closed before accept() returned them */
	uint64_t duplicate_opens; /* opens of a socket already open */
	uint64_t late; /* records older than one already applied for the same socket */
	uint64_t table_full; /* connections, processes or listeners not kept: table limit */
	uint64_t tombstones_evicted; /* closes forgotten early: a late open may be missed */
	uint64_t seeded; /* connections found open by sock_diag, never seen opening */
	uint64_t corrections; /* fixed by the healing pass: lost closes, missed opens */
	uint64_t active; /* open connections now */
	uint64_t listening; /* listening sockets now */
	uint64_t processes; /* processes known now (kept until their last row is shown) */
};

struct tracker_limits {
	size_t max_conns;
	size_t max_procs;
	size_t max_listeners;
	size_t max_tombstones;
	uint64_t tombstone_ns; /* how long a close waits for an open delivered late */
};

extern const struct tracker_limits tracker_default_limits;

/* @limits may be NULL for the defaults. */
struct tracker *tracker__new(const struct tracker_limits *limits);
void tracker__free(struct tracker *tracker);

void tracker_apply(struct tracker *tracker, const struct ct_event *event);
void tracker_count_invalid(struct tracker *tracker);

/* Forgets what the frame just shown no longer needs: closed connections, idle processes. */
void tracker_end_frame(struct tracker *tracker);

const struct tracker_stats *tracker_stats(const struct tracker *tracker);

/* The number of the frame being built: 0 before the first tracker_end_frame(). */
uint64_t tracker_frame(const struct tracker *tracker);

/* Connections held now: open ones, and those closed that the next frame shows. */
size_t tracker_conn_count(const struct tracker *tracker);

/*
 * What @conn had moved at the end of the previous frame (tracker_end_frame()): the rates of this
 * frame start there. Only the bytes are set.
 */
struct ct_traffic tracker_conn_shown(const struct tracker *tracker, const struct conn *conn);

/*
 * For the topology, which keeps its own fields in each connection (topo_*): every connection, to
 * change, and the one in @slot (struct conn's) or NULL when the slot is free or out of range.
 */
typedef void (*conn_change_fn)(struct conn *conn, void *ctx);
void tracker_for_each_conn_mut(struct tracker *tracker, conn_change_fn visit, void *ctx);
struct conn *tracker_conn_at(struct tracker *tracker, uint32_t slot);

/*
 * The memory of @slot, whatever it holds now (in_use says whether a connection), or NULL past
 * the slots handed out: for a reader that keeps slots across frames and may prefetch them.
 */
const struct conn *tracker_slot(const struct tracker *tracker, uint32_t slot);

/*
 * Asks for the cache lines of @conn (NULL: nothing), to be read soon: a pass that reads
 * connections in slot order or at random gets each from memory while working on another.
 */
static inline void tracker_prefetch_conn(const struct conn *conn)
{
	const char *at = (const char *)conn;

	if (!conn)
		return;
	__builtin_prefetch(at);
	__builtin_prefetch(at + 64);
	__builtin_prefetch(at + sizeof(*conn) - 1);
}

/*
 * The slots of the connections that began in this frame (first_frame, since the last
 * tracker_end_frame()), in *@slots: a slot may be listed twice or hold another connection since,
 * and one may be missing (out of memory); read each with tracker_slot() and count what is found.
 */
size_t tracker_added(const struct tracker *tracker, const uint32_t **slots);

typedef void (*conn_visit_fn)(const struct conn *conn, void *ctx);
void tracker_for_each_conn(const struct tracker *tracker, conn_visit_fn visit, void *ctx);

typedef void (*listener_visit_fn)(const struct listener *listener, void *ctx);
void tracker_for_each_listener(const struct tracker *tracker, listener_visit_fn visit, void *ctx);

/* Processes may be given their details (resolve.c): the only state changed from outside. */
typedef void (*proc_visit_fn)(struct proc *proc, void *ctx);
void tracker_for_each_proc(struct tracker *tracker, proc_visit_fn visit, void *ctx);

/*
 * The healing pass: a connection or listener the kernel no longer has, whose close was lost, is
 * closed now; a socket the dump has that we miss is applied as a seeded open. Each counts as a
 * correction. Returns 0, or -ENOENT when there was nothing to close.
 */
/* Whether the tracker knows the socket at all: open, shown closed, listening or a tombstone. */
bool tracker_has_socket(const struct tracker *tracker, uint64_t cookie);

/* Whether a new socket like @event's (a listener or a connection) would fit in its table. */
bool tracker_has_room(const struct tracker *tracker, const struct ct_event *event);

int tracker_heal_close(struct tracker *tracker, uint64_t cookie, uint64_t now_ns);
void tracker_heal_open(struct tracker *tracker, const struct ct_event *seeded);

/*
 * The traffic of the open connection @cookie, if the tracker has it: counted live since the
 * socket was seen (the BPF map), or, when @absolute, its totals (a sock_diag pass). Nothing
 * changes, and nothing is journaled, when the counts are those it has.
 */
void tracker_set_traffic(struct tracker *tracker, uint64_t cookie, const struct ct_traffic *traffic,
			 bool absolute);

/* Gives the process @key (if the tracker has it) a copy of @detail: what resolve.c read. */
void tracker_give_detail(struct tracker *tracker, const struct proc_key *key,
			 const struct proc_detail *detail);

/*
 * Every input that changes the tracker, in the order it came. A journal sees each one: that is
 * what a recording keeps, and replaying them in order through the same calls rebuilds the same
 * state.
 */
enum tracker_input {
	TRACKER_IN_EVENT = 1, /* tracker_apply(): struct ct_event */
	TRACKER_IN_INVALID, /* tracker_count_invalid(): nothing */
	TRACKER_IN_HEAL_CLOSE, /* tracker_heal_close(): struct tracker_heal_close */
	TRACKER_IN_HEAL_OPEN, /* tracker_heal_open(): struct ct_event */
	TRACKER_IN_DETAIL, /* tracker_give_detail(): struct tracker_detail */
	TRACKER_IN_END_FRAME, /* tracker_end_frame(): nothing */
	TRACKER_IN_TRAFFIC, /* tracker_set_traffic(): struct tracker_traffic */
	TRACKER_IN_MAX,
};

struct tracker_heal_close {
	uint64_t cookie;
	uint64_t now_ns;
};

struct tracker_detail {
	struct proc_key key;
	struct proc_detail detail;
};

struct tracker_traffic {
	uint64_t cookie;
	struct ct_traffic traffic;
	uint32_t absolute; /* 1: totals (sock_diag's); 0: counted since the socket was first seen */
	uint32_t pad;
};

typedef void (*tracker_journal_fn)(void *ctx, enum tracker_input input, const void *data,
				   size_t size);

/*
 * Socket identity. A record names its socket by the kernel's socket cookie, which is unique on
 * most kernels. Two exceptions, handled here so every reader of records agrees:
 *   - Some kernels (seen on 6.1) copy a listener's cookie into every socket it accepts once the
 *     listener has one (our LISTEN record, or any sock_diag dump, gives it one). A connection
 *     record whose cookie is a listener's is named by its tuple id instead; so is a close whose
 *     cookie names nothing but whose tuple id names an open connection (its listener closed).
 *   - Hooks that cannot ask for cookies (kprobes, raw and classic tracepoints): every socket is
 *     named by its tuple id (tracker_set_ids_by_tuple), dumps included.
 * A tuple id is a hash of the namespace, family, addresses and ports, with the top bit set (the
 * kernel's cookies count up from 1 and never reach it): unique among the sockets open at once.
 */
uint64_t tracker_tuple_id(const struct ct_event *record);
void tracker_set_ids_by_tuple(struct tracker *tracker, bool on);
/* Names @record's socket as tracker_apply() will (see above); the inputs are normalised by it. */
void tracker_identify(const struct tracker *tracker, struct ct_event *record);

/* @journal (NULL: none) is called with every input before it is applied. */
void tracker_set_journal(struct tracker *tracker, tracker_journal_fn journal, void *ctx);

#endif /* CONNTOP_TRACKER_H */
