// SPDX-License-Identifier: GPL-2.0-only
#include "tracker.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "hash.h" /* before uthash.h: its hash function */
#include <uthash.h>

#define NS_PER_SEC 1000000000ull

/*
 * Connections live in chunks of slots that never move (a freed slot is reused), found by cookie
 * through an open-addressing index of 32-bit entries: a few bits of the cookie's hash above the
 * slot number, so a probe rarely reads a connection that is not the one looked for. A uthash
 * entry per connection cost 56 bytes of handle and a malloc header on top of the connection,
 * and a cache miss per bucket; this index costs 4 bytes a slot, 2 to 4 slots a connection.
 */
#define CHUNK_BITS  10
#define CHUNK_SLOTS (1u << CHUNK_BITS)
#define INDEX_EMPTY 0u

struct conn_table {
	struct conn **chunks;
	size_t nchunks;
	uint32_t used; /* slots handed out so far: the rest of the chunks is untouched */
	uint32_t free_slot; /* 1 + a free slot below used, 0 for none; each links the next */
	size_t count; /* connections held */
	uint32_t *index; /* INDEX_EMPTY, or tag << slot_bits | (1 + slot) */
	size_t index_size; /* a power of two, 0 before the first connection */
	size_t index_gone; /* entries of freed slots, to be dropped at the next rebuild */
	unsigned int slot_bits;
	uint32_t slot_mask;
	uint32_t *closed; /* slots closed since the last end of frame */
	size_t nclosed, closed_cap;
	uint32_t *added; /* slots filled since the last end of frame (tracker_added()) */
	size_t nadded, added_cap;
};

/* The counts a seeded connection had before live counting began (struct conn's has_base). */
struct base_entry {
	uint64_t cookie;
	struct ct_traffic base;
	UT_hash_handle hh;
};

struct proc_entry {
	struct proc proc;
	UT_hash_handle hh; /* by proc.key */
};

struct listener_entry {
	struct listener listener;
	UT_hash_handle hh; /* by listener.cookie */
};

/*
 * A close (or unlisten) for a socket we never saw open. Kept a while, so that an open delivered
 * after it (per-CPU buffers reorder) is recognised as already over instead of becoming a ghost.
 */
struct tombstone {
	uint64_t cookie;
	uint64_t closed_ns;
	struct ct_traffic traffic; /* the close's final counts, for the open that comes late */
	uint16_t flags; /* the close's: CT_F_TRAFFIC says whether it had counts */
	UT_hash_handle hh; /* in insertion order, oldest first */
};

struct tracker {
	struct tracker_limits limits;
	struct tracker_stats stats;
	uint64_t latest_ns; /* newest record time seen: the clock for expiring tombstones */
	uint64_t frame; /* frames ended so far */
	struct conn_table conns;
	struct base_entry *bases;
	struct proc_entry *procs;
	struct listener_entry *listeners;
	struct tombstone *tombstones;
	tracker_journal_fn journal;
	void *journal_ctx;
	bool ids_by_tuple; /* the source has no cookies: see tracker_identify() */
};

const struct tracker_limits tracker_default_limits = {
	.max_conns = 1 << 20,
	.max_procs = 1 << 18,
	.max_listeners = 1 << 16,
	.max_tombstones = 1 << 16,
	.tombstone_ns = 10 * NS_PER_SEC,
};

/* splitmix64's finalizer: cookies count up, their hashes must not. */
static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static struct conn *slot_conn(const struct conn_table *t, uint32_t slot)
{
	return &t->chunks[slot >> CHUNK_BITS][slot & (CHUNK_SLOTS - 1)];
}

static size_t index_home(const struct conn_table *t, uint64_t hash)
{
	return (size_t)(hash >> 20) & (t->index_size - 1);
}

static uint32_t index_tag(const struct conn_table *t, uint64_t hash)
{
	return t->slot_bits >= 32 ? 0 : (uint32_t)hash << t->slot_bits;
}

/* The index entry of @cookie, or NULL. */
static uint32_t *index_find(const struct conn_table *t, uint64_t cookie)
{
	uint64_t hash = mix(cookie);
	uint32_t tag = index_tag(t, hash), e;
	size_t mask = t->index_size - 1, at;

	if (!t->index_size)
		return NULL;
	for (at = index_home(t, hash); (e = t->index[at]) != INDEX_EMPTY; at = (at + 1) & mask) {
		const struct conn *conn;

		if ((e & ~t->slot_mask) != tag)
			continue; /* not read: most entries differ here */
		/* A freed slot's entry stays until a rebuild: the slot's connection tells. */
		conn = slot_conn(t, (e & t->slot_mask) - 1);
		if (conn->cookie == cookie && conn->in_use)
			return &t->index[at];
	}
	return NULL;
}

static void index_put(struct conn_table *t, uint32_t *index, size_t size, const struct conn *conn)
{
	uint64_t hash = mix(conn->cookie);
	size_t at;

	for (at = (size_t)(hash >> 20) & (size - 1); index[at] != INDEX_EMPTY;
	     at = (at + 1) & (size - 1))
		;
	index[at] = index_tag(t, hash) | (conn->slot + 1);
}

/* Room for one more connection in the index, at most 70 % full with deleted entries counted. */
static int index_reserve(struct conn_table *t)
{
	size_t size = 64, i;
	uint32_t *index;

	if (10 * (t->count + t->index_gone + 1) <= 7 * t->index_size)
		return 0;
	while (size < 2 * (t->count + 1))
		size *= 2;
	index = calloc(size, sizeof(*index));
	if (!index)
		return -ENOMEM;
	free(t->index);
	t->index = index;
	t->index_size = size;
	t->index_gone = 0;
	for (i = 0; i < t->used; i++) {
		const struct conn *conn = slot_conn(t, (uint32_t)i);

		if (conn->in_use)
			index_put(t, index, size, conn);
	}
	return 0;
}

/* A slot for a new connection, zeroed, or NULL when out of memory. */
static struct conn *slot_new(struct conn_table *t)
{
	struct conn *conn;
	uint32_t slot;

	if (index_reserve(t))
		return NULL;
	if (t->free_slot) {
		slot = t->free_slot - 1;
		conn = slot_conn(t, slot);
		t->free_slot = (uint32_t)conn->cookie; /* the next free one */
	} else {
		if ((t->used >> CHUNK_BITS) >= t->nchunks) {
			struct conn **chunks =
				realloc(t->chunks, (t->nchunks + 1) * sizeof(*t->chunks));

			if (!chunks)
				return NULL;
			t->chunks = chunks;
			t->chunks[t->nchunks] = malloc(CHUNK_SLOTS * sizeof(struct conn));
			if (!t->chunks[t->nchunks])
				return NULL;
			t->nchunks++;
		}
		slot = t->used++;
		conn = slot_conn(t, slot);
	}
	memset(conn, 0, sizeof(*conn));
	conn->slot = slot;
	conn->in_use = true;
	t->count++;
	return conn;
}

/*
 * The slot goes back on the free list. Its index entry stays, counted as deleted: it names a slot
 * whose connection, free or new, has another cookie, so no lookup matches it (finding it to mark
 * it would cost a lookup per connection), and the next rebuild of the index drops it.
 */
static void slot_free(struct conn_table *t, struct conn *conn)
{
	t->index_gone++;
	conn->in_use = false;
	conn->cookie = t->free_slot;
	t->free_slot = conn->slot + 1;
	t->count--;
}

struct tracker *tracker__new(const struct tracker_limits *limits)
{
	struct tracker *tracker = calloc(1, sizeof(*tracker));
	struct conn_table *t;

	if (!tracker)
		return NULL;
	tracker->limits = limits ? *limits : tracker_default_limits;
	if (tracker->limits.max_conns > 1u << 30)
		tracker->limits.max_conns = 1u << 30;
	t = &tracker->conns;
	for (t->slot_bits = 1; ((size_t)1 << t->slot_bits) - 1 <= tracker->limits.max_conns;)
		t->slot_bits++;
	t->slot_mask = (uint32_t)(((uint64_t)1 << t->slot_bits) - 1);
	return tracker;
}

void tracker__free(struct tracker *tracker)
{
	struct proc_entry *proc, *proc_tmp;
	struct listener_entry *lis, *lis_tmp;
	struct tombstone *tomb, *tomb_tmp;
	struct base_entry *base, *base_tmp;
	size_t i;

	if (!tracker)
		return;
	for (i = 0; i < tracker->conns.nchunks; i++)
		free(tracker->conns.chunks[i]);
	free(tracker->conns.chunks);
	free(tracker->conns.index);
	free(tracker->conns.closed);
	free(tracker->conns.added);
	HASH_ITER (hh, tracker->bases, base, base_tmp) {
		HASH_DEL(tracker->bases, base);
		free(base);
	}
	HASH_ITER (hh, tracker->procs, proc, proc_tmp) {
		HASH_DEL(tracker->procs, proc);
		free(proc->proc.detail);
		free(proc);
	}
	HASH_ITER (hh, tracker->listeners, lis, lis_tmp) {
		HASH_DEL(tracker->listeners, lis);
		free(lis);
	}
	HASH_ITER (hh, tracker->tombstones, tomb, tomb_tmp) {
		HASH_DEL(tracker->tombstones, tomb);
		free(tomb);
	}
	free(tracker);
}

/* The process that owns the socket of @event, created on first sight; NULL if unknown. */
static struct proc *proc_get(struct tracker *tracker, const struct ct_event *event)
{
	struct proc_key key = { .pid = event->pid,
				.start_ticks = event->proc_start_ns / PROC_TICK_NS };
	struct proc_entry *entry;

	if (event->flags & CT_F_NO_TASK)
		return NULL;
	HASH_FIND(hh, tracker->procs, &key, sizeof(key), entry);
	if (!entry) {
		if (HASH_COUNT(tracker->procs) >= tracker->limits.max_procs) {
			tracker->stats.table_full++;
			return NULL;
		}
		entry = calloc(1, sizeof(*entry));
		if (!entry) {
			tracker->stats.table_full++;
			return NULL;
		}
		entry->proc.key = key;
		HASH_ADD(hh, tracker->procs, proc.key, sizeof(key), entry);
		tracker->stats.processes++;
	}
	/* exec() keeps pid and start time but renames the process: keep the newest name. */
	memcpy(entry->proc.comm, event->comm, sizeof(entry->proc.comm));
	entry->proc.refs++;
	return &entry->proc;
}

static void proc_put(struct proc *proc)
{
	if (proc)
		proc->refs--; /* freed at the end of the frame, after the rows that show it */
}

static struct conn *conn_find(const struct tracker *tracker, uint64_t cookie)
{
	const uint32_t *entry = index_find(&tracker->conns, cookie);

	return entry ? slot_conn(&tracker->conns, (*entry & tracker->conns.slot_mask) - 1) : NULL;
}

static struct listener_entry *listener_find(const struct tracker *tracker, uint64_t cookie)
{
	struct listener_entry *entry;

	HASH_FIND(hh, tracker->listeners, &cookie, sizeof(cookie), entry);
	return entry;
}

static struct tombstone *tombstone_take(struct tracker *tracker, uint64_t cookie)
{
	struct tombstone *tomb;

	HASH_FIND(hh, tracker->tombstones, &cookie, sizeof(cookie), tomb);
	if (tomb)
		HASH_DEL(tracker->tombstones, tomb);
	return tomb;
}

static void tombstone_add(struct tracker *tracker, const struct ct_event *close)
{
	uint64_t cookie = close->cookie;
	struct tombstone *tomb = tombstone_take(tracker, cookie);

	if (!tomb && HASH_COUNT(tracker->tombstones) >= tracker->limits.max_tombstones) {
		tomb = tracker->tombstones; /* the oldest */
		HASH_DEL(tracker->tombstones, tomb);
		tracker->stats.tombstones_evicted++;
	}
	if (!tomb)
		tomb = malloc(sizeof(*tomb));
	if (!tomb) {
		tracker->stats.tombstones_evicted++;
		return;
	}
	tomb->cookie = cookie;
	tomb->closed_ns = close->ts_ns;
	tomb->traffic = close->traffic;
	tomb->flags = close->flags;
	HASH_ADD(hh, tracker->tombstones, cookie, sizeof(tomb->cookie), tomb);
}

/*
 * What a socket moved in all: @live counted since we began (the BPF map, or a close record), on
 * top of its base from before. Retransmits are the socket's own total in both: the larger.
 */
static struct ct_traffic base_of(const struct tracker *tracker, const struct conn *conn)
{
	struct base_entry *entry = NULL;

	if (conn->has_base)
		HASH_FIND(hh, tracker->bases, &conn->cookie, sizeof(conn->cookie), entry);
	return entry ? entry->base : (struct ct_traffic){ 0 };
}

static void base_forget(struct tracker *tracker, struct conn *conn)
{
	struct base_entry *entry;

	if (!conn->has_base)
		return;
	HASH_FIND(hh, tracker->bases, &conn->cookie, sizeof(conn->cookie), entry);
	if (entry) {
		HASH_DEL(tracker->bases, entry);
		free(entry);
	}
	conn->has_base = false;
}

/* A seeded socket's counts from before: kept aside (most connections have none). */
static void base_keep(struct tracker *tracker, struct conn *conn, const struct ct_traffic *base)
{
	struct base_entry *entry;

	if (!base->bytes_sent && !base->bytes_received && !base->retransmits)
		return;
	entry = calloc(1, sizeof(*entry));
	if (!entry)
		return; /* counted from 0 on: its history is still in traffic until live counts */
	entry->cookie = conn->cookie;
	entry->base = *base;
	entry->base.pad = 0;
	HASH_ADD(hh, tracker->bases, cookie, sizeof(entry->cookie), entry);
	conn->has_base = true;
}

/*
 * What a socket moved in all: @live counted since we began (the BPF map, or a close record), on
 * top of its base from before. Retransmits are the socket's own total in both: the larger.
 */
static struct ct_traffic counted(const struct tracker *tracker, const struct conn *conn,
				 const struct ct_traffic *live)
{
	struct ct_traffic base = base_of(tracker, conn);

	return (struct ct_traffic){
		.bytes_sent = base.bytes_sent + live->bytes_sent,
		.bytes_received = base.bytes_received + live->bytes_received,
		.retransmits =
			live->retransmits > base.retransmits ? live->retransmits : base.retransmits,
	};
}

/*
 * New counts for @conn. The first change in a frame keeps what it had before: where this frame's
 * rates start (tracker_conn_shown()), with nothing to do at the end of each frame.
 */
static void conn_set_traffic(struct tracker *tracker, struct conn *conn,
			     const struct ct_traffic *now)
{
	if (conn->moved_frame != (uint32_t)tracker->frame) {
		conn->shown_sent = conn->traffic.bytes_sent;
		conn->shown_received = conn->traffic.bytes_received;
		conn->moved_frame = (uint32_t)tracker->frame;
	}
	conn->traffic = *now;
}

struct ct_traffic tracker_conn_shown(const struct tracker *tracker, const struct conn *conn)
{
	if (conn->moved_frame != (uint32_t)tracker->frame)
		return (struct ct_traffic){ .bytes_sent = conn->traffic.bytes_sent,
					    .bytes_received = conn->traffic.bytes_received };
	return (struct ct_traffic){ .bytes_sent = conn->shown_sent,
				    .bytes_received = conn->shown_received };
}

/* A close's counts, when its record has them (CT_F_TRAFFIC); else what was known stays. */
static void close_traffic(struct tracker *tracker, struct conn *conn,
			  const struct ct_traffic *traffic, uint16_t flags)
{
	struct ct_traffic now;

	if (!(flags & CT_F_TRAFFIC))
		return;
	now = counted(tracker, conn, traffic);
	conn_set_traffic(tracker, conn, &now);
}

/*
 * @conn becomes the connection of @event. The topology's fields stay when the socket stays the
 * same one (@same_socket: a seeded one that its own open record replaces); a socket that
 * connects again is a new connection to it.
 */
static void conn_fill(struct tracker *tracker, struct conn *conn, const struct ct_event *event,
		      enum conn_dir dir, bool same_socket)
{
	uint32_t slot = conn->slot, topo_peer = conn->topo_peer, topo_edge = conn->topo_edge;
	uint8_t topo_state = conn->topo_state;

	proc_put(conn->proc);
	base_forget(tracker, conn);
	memset(conn, 0, sizeof(*conn));
	conn->slot = slot;
	conn->in_use = true;
	if (same_socket) {
		conn->topo_peer = topo_peer;
		conn->topo_edge = topo_edge;
		conn->topo_state = topo_state;
	}
	conn->cookie = event->cookie;
	conn->first_frame = (uint32_t)tracker->frame;
	if (!array_reserve(&tracker->conns.added, tracker->conns.nadded, &tracker->conns.added_cap,
			   sizeof(*tracker->conns.added)))
		tracker->conns.added[tracker->conns.nadded++] = slot;
	/* else missing from the list: a reader that counts what it finds falls back to a pass */
	conn->opened_ns = event->ts_ns;
	conn->cgroup_id = event->cgroup_id;
	conn->proc = proc_get(tracker, event);
	conn->netns = event->netns;
	conn->family = event->family;
	conn->state = event->state;
	conn->dir = dir;
	conn->lport = event->lport;
	conn->rport = event->rport;
	memcpy(conn->laddr, event->laddr, sizeof(conn->laddr));
	memcpy(conn->raddr, event->raddr, sizeof(conn->raddr));
	if (event->flags & CT_F_SEEDED) { /* counts from before we looked: not this frame's rate */
		conn->traffic = event->traffic;
		conn->traffic.pad = 0;
		conn->shown_sent = conn->traffic.bytes_sent;
		conn->shown_received = conn->traffic.bytes_received;
		conn->moved_frame = (uint32_t)tracker->frame;
		base_keep(tracker, conn, &event->traffic);
	}
}

static void count_opened(struct tracker *tracker, enum conn_dir dir)
{
	if (dir == CONN_IN)
		tracker->stats.opened_in++;
	else
		tracker->stats.opened_out++;
}

/* Removed at the end of the frame that shows it closed. */
static void conn_closed_list(struct tracker *tracker, const struct conn *conn)
{
	struct conn_table *t = &tracker->conns;

	if (!array_reserve(&t->closed, t->nclosed, &t->closed_cap, sizeof(*t->closed)))
		t->closed[t->nclosed++] = conn->slot;
	/* else it stays past its frame, shown closed again: never lost, never a wrong count */
}

/*
 * A new connection; @closed_ns is non-zero when its close was already applied (it came late).
 * Returns it, or NULL when the table had no room (counted).
 */
static struct conn *conn_add(struct tracker *tracker, const struct ct_event *event,
			     enum conn_dir dir, uint64_t closed_ns)
{
	struct conn_table *t = &tracker->conns;
	struct conn *conn = NULL;

	if (t->count < tracker->limits.max_conns)
		conn = slot_new(t);
	if (!conn) {
		tracker->stats.table_full++;
		return NULL;
	}
	conn_fill(tracker, conn, event, dir, false);
	conn->closed = closed_ns != 0;
	conn->closed_ns = closed_ns;
	index_put(t, t->index, t->index_size, conn);
	if (closed_ns)
		conn_closed_list(tracker, conn);
	else
		tracker->stats.active++;
	return conn;
}

/* A seeded open: the socket was in a dump taken at event->ts_ns, opened before we looked. */
static void on_seeded_open(struct tracker *tracker, const struct ct_event *event, enum conn_dir dir)
{
	struct tombstone *tomb;
	uint64_t closed_ns = 0;
	struct conn *conn;

	if (conn_find(tracker, event->cookie))
		return; /* already known from its events: the dump only confirms it */
	tracker->stats.seeded++;
	tomb = tombstone_take(tracker, event->cookie);
	if (tomb) {
		/* Its close came before the dump was applied: end as if applied in order. */
		tracker->stats.close_unseen--;
		tracker->stats.closed++;
		closed_ns = tomb->closed_ns > event->ts_ns ? tomb->closed_ns : event->ts_ns;
	}
	conn = conn_add(tracker, event, dir, closed_ns);
	if (conn) {
		conn->seeded = true;
		if (tomb)
			close_traffic(tracker, conn, &tomb->traffic, tomb->flags);
	}
	free(tomb);
}

static void on_open(struct tracker *tracker, const struct ct_event *event, enum conn_dir dir)
{
	struct tombstone *tomb;
	struct conn *conn;

	if (event->flags & CT_F_SEEDED) {
		on_seeded_open(tracker, event, dir);
		return;
	}
	conn = conn_find(tracker, event->cookie);
	if (conn && !conn->closed && conn->seeded) {
		/* Opened after attach but applied from the dump first: the event has it all. */
		tracker->stats.seeded--;
		count_opened(tracker, dir);
		conn_fill(tracker, conn, event, dir, true);
		return;
	}
	if (conn && !conn->closed) {
		tracker->stats.duplicate_opens++;
		if (!conn->proc) /* a later record may know the owner */
			conn->proc = proc_get(tracker, event);
		return;
	}
	if (conn) {
		if (event->ts_ns <= conn->closed_ns) {
			tracker->stats.late++; /* a stale open of the connection that just closed */
			return;
		}
		/* The same socket connected again (after a disconnect): a new connection. */
		conn_fill(tracker, conn, event, dir, false);
		tracker->stats.active++;
		count_opened(tracker, dir);
		return;
	}
	tomb = tombstone_take(tracker, event->cookie);
	if (tomb && event->ts_ns <= tomb->closed_ns) {
		/* Its close came first: count it as in-order delivery would have. */
		tracker->stats.late++;
		tracker->stats.close_unseen--;
		tracker->stats.closed++;
		count_opened(tracker, dir);
		conn = conn_add(tracker, event, dir, tomb->closed_ns);
		if (conn) /* the close's final counts */
			close_traffic(tracker, conn, &tomb->traffic, tomb->flags);
		free(tomb);
		return;
	}
	free(tomb);
	count_opened(tracker, dir);
	conn_add(tracker, event, dir, 0);
}

static void conn_close(struct tracker *tracker, struct conn *conn, uint64_t closed_ns)
{
	conn->closed = true;
	conn->closed_ns = closed_ns;
	tracker->stats.closed++;
	tracker->stats.active--;
	conn_closed_list(tracker, conn);
}

static void on_close(struct tracker *tracker, const struct ct_event *event, struct conn *found)
{
	struct conn *conn =
		found && found->cookie == event->cookie ? found : conn_find(tracker, event->cookie);

	if (!conn) {
		tracker->stats.close_unseen++;
		if (event->flags & CT_F_NOT_ACCEPTED)
			tracker->stats.not_accepted++;
		tombstone_add(tracker, event);
		return;
	}
	if (conn->closed || event->ts_ns < conn->opened_ns) {
		/* A repeated close, or the close of an earlier connection of this socket. */
		tracker->stats.late++;
		return;
	}
	conn->state = event->state;
	close_traffic(tracker, conn, &event->traffic, event->flags);
	conn_close(tracker, conn, event->ts_ns);
}

static void on_listen(struct tracker *tracker, const struct ct_event *event)
{
	struct listener_entry *entry;
	struct tombstone *tomb = tombstone_take(tracker, event->cookie);

	if (tomb && event->ts_ns <= tomb->closed_ns) {
		tracker->stats.late++;
		free(tomb);
		return;
	}
	free(tomb);
	entry = listener_find(tracker, event->cookie);
	if (entry) {
		/* listen() again only changes the backlog; a dump may name an owner we lacked. */
		if (!entry->listener.proc)
			entry->listener.proc = proc_get(tracker, event);
		return;
	}
	if (HASH_COUNT(tracker->listeners) >= tracker->limits.max_listeners ||
	    !(entry = calloc(1, sizeof(*entry)))) {
		tracker->stats.table_full++;
		return;
	}
	entry->listener = (struct listener){
		.cookie = event->cookie,
		.proc = proc_get(tracker, event),
		.opened_ns = event->ts_ns,
		.netns = event->netns,
		.family = event->family,
		.port = event->lport,
	};
	memcpy(entry->listener.addr, event->laddr, sizeof(entry->listener.addr));
	HASH_ADD(hh, tracker->listeners, listener.cookie, sizeof(entry->listener.cookie), entry);
	tracker->stats.listening++;
}

static int listener_remove(struct tracker *tracker, uint64_t cookie)
{
	struct listener_entry *entry = listener_find(tracker, cookie);

	if (!entry)
		return -ENOENT;
	proc_put(entry->listener.proc);
	HASH_DEL(tracker->listeners, entry);
	free(entry);
	tracker->stats.listening--;
	return 0;
}

static void on_unlisten(struct tracker *tracker, const struct ct_event *event)
{
	if (listener_remove(tracker, event->cookie))
		tombstone_add(tracker, event);
}

void tracker_set_journal(struct tracker *tracker, tracker_journal_fn journal, void *ctx)
{
	tracker->journal = journal;
	tracker->journal_ctx = ctx;
}

static void journal(struct tracker *tracker, enum tracker_input input, const void *data,
		    size_t size)
{
	if (tracker->journal)
		tracker->journal(tracker->journal_ctx, input, data, size);
}

static void apply(struct tracker *tracker, const struct ct_event *event);
static void apply_found(struct tracker *tracker, const struct ct_event *event, struct conn *found);

/* FNV-1a, 64 bits. */
static uint64_t hash_bytes(uint64_t hash, const void *data, size_t size)
{
	const unsigned char *byte = data;

	while (size--)
		hash = (hash ^ *byte++) * 0x100000001b3ull;
	return hash;
}

uint64_t tracker_tuple_id(const struct ct_event *r)
{
	uint64_t hash = 0xcbf29ce484222325ull;

	hash = hash_bytes(hash, &r->netns, sizeof(r->netns));
	hash = hash_bytes(hash, &r->family, sizeof(r->family));
	hash = hash_bytes(hash, r->laddr, sizeof(r->laddr));
	hash = hash_bytes(hash, &r->lport, sizeof(r->lport));
	hash = hash_bytes(hash, r->raddr, sizeof(r->raddr));
	hash = hash_bytes(hash, &r->rport, sizeof(r->rport));
	return hash | 1ull << 63;
}

void tracker_set_ids_by_tuple(struct tracker *tracker, bool on)
{
	tracker->ids_by_tuple = on;
}

/* tracker_identify(); for a close, also the connection it names when it found it (else NULL). */
static struct conn *identify(const struct tracker *tracker, struct ct_event *record)
{
	struct conn *conn;
	uint64_t tuple_id;

	if (record->cookie & 1ull << 63)
		return NULL; /* named already */
	if (tracker->ids_by_tuple) {
		record->cookie = tracker_tuple_id(record);
		return NULL;
	}
	/* Only accepted sockets inherit: connects and listeners keep theirs (and cost nothing). */
	if (record->type != CT_EV_ACCEPT && record->type != CT_EV_CLOSE)
		return NULL;
	if (record->type == CT_EV_CLOSE && (conn = conn_find(tracker, record->cookie)))
		return conn; /* the usual case: one lookup */
	if (listener_find(tracker, record->cookie)) {
		/* A cookie inherited from its listener. */
		record->cookie = tracker_tuple_id(record);
		return NULL;
	}
	if (record->type != CT_EV_CLOSE)
		return NULL;
	tuple_id = tracker_tuple_id(record);
	if ((conn = conn_find(tracker, tuple_id)))
		record->cookie = tuple_id; /* an inherited cookie, its listener already gone */
	return conn;
}

void tracker_identify(const struct tracker *tracker, struct ct_event *record)
{
	identify(tracker, record);
}

void tracker_apply(struct tracker *tracker, const struct ct_event *event)
{
	struct ct_event record = *event;
	struct conn *found = identify(tracker, &record);

	journal(tracker, TRACKER_IN_EVENT, &record, sizeof(record));
	apply_found(tracker, &record, found);
}

static void apply(struct tracker *tracker, const struct ct_event *event)
{
	apply_found(tracker, event, NULL);
}

/* @found: the connection of @event, when identify() found it already (a close), or NULL. */
static void apply_found(struct tracker *tracker, const struct ct_event *event, struct conn *found)
{
	if (!(event->flags & CT_F_SEEDED))
		tracker->stats.events++; /* records from the kernel; seeds are counted as seeded */
	if (event->ts_ns > tracker->latest_ns)
		tracker->latest_ns = event->ts_ns;
	switch (event->type) {
	case CT_EV_CONNECT:
		on_open(tracker, event, CONN_OUT);
		break;
	case CT_EV_ACCEPT:
		on_open(tracker, event, CONN_IN);
		break;
	case CT_EV_CLOSE:
		on_close(tracker, event, found);
		break;
	case CT_EV_LISTEN:
		on_listen(tracker, event);
		break;
	case CT_EV_UNLISTEN:
		on_unlisten(tracker, event);
		break;
	}
}

void tracker_count_invalid(struct tracker *tracker)
{
	journal(tracker, TRACKER_IN_INVALID, NULL, 0);
	tracker->stats.invalid++;
}

uint64_t tracker_frame(const struct tracker *tracker)
{
	return tracker->frame;
}

void tracker_end_frame(struct tracker *tracker)
{
	struct conn_table *t = &tracker->conns;
	struct proc_entry *proc, *proc_tmp;
	struct tombstone *tomb, *tomb_tmp;
	size_t i;

	journal(tracker, TRACKER_IN_END_FRAME, NULL, 0);
	/* Only the connections closed since the last end of frame: the open ones have nothing to do. */
	for (i = 0; i < t->nclosed; i++) {
		struct conn *conn = slot_conn(t, t->closed[i]);

		if (!conn->in_use || !conn->closed)
			continue; /* listed twice, or open again (the socket connected again) */
		proc_put(conn->proc);
		base_forget(tracker, conn);
		slot_free(t, conn);
	}
	t->nclosed = 0;
	t->nadded = 0;
	HASH_ITER (hh, tracker->procs, proc, proc_tmp) {
		if (proc->proc.refs)
			continue;
		HASH_DEL(tracker->procs, proc);
		free(proc->proc.detail);
		free(proc);
		tracker->stats.processes--;
	}
	HASH_ITER (hh, tracker->tombstones, tomb, tomb_tmp) {
		if (tomb->closed_ns + tracker->limits.tombstone_ns >= tracker->latest_ns)
			continue;
		HASH_DEL(tracker->tombstones, tomb);
		free(tomb);
	}
	tracker->frame++;
}

const struct tracker_stats *tracker_stats(const struct tracker *tracker)
{
	return &tracker->stats;
}

size_t tracker_conn_count(const struct tracker *tracker)
{
	return tracker->conns.count;
}

/* Every connection in slot order: chunk by chunk, as they lie in memory. */
#define FOR_EACH_CONN(t, conn)                                              \
	for (size_t chunk_ = 0; chunk_ * CHUNK_SLOTS < (t)->used; chunk_++) \
		for (size_t i_ = 0, n_ = (t)->used - chunk_ * CHUNK_SLOTS;  \
		     i_ < CHUNK_SLOTS && i_ < n_; i_++)                     \
			if (((conn) = &(t)->chunks[chunk_][i_])->in_use)

void tracker_for_each_conn(const struct tracker *tracker, conn_visit_fn visit, void *ctx)
{
	const struct conn *conn;

	FOR_EACH_CONN(&tracker->conns, conn)
	visit(conn, ctx);
}

void tracker_for_each_conn_mut(struct tracker *tracker, conn_change_fn visit, void *ctx)
{
	struct conn *conn;

	FOR_EACH_CONN(&tracker->conns, conn)
	visit(conn, ctx);
}

struct conn *tracker_conn_at(struct tracker *tracker, uint32_t slot)
{
	struct conn *conn;

	if (slot >= tracker->conns.used)
		return NULL;
	conn = slot_conn(&tracker->conns, slot);
	return conn->in_use ? conn : NULL;
}

size_t tracker_added(const struct tracker *tracker, const uint32_t **slots)
{
	*slots = tracker->conns.added;
	return tracker->conns.nadded;
}

const struct conn *tracker_slot(const struct tracker *tracker, uint32_t slot)
{
	return slot < tracker->conns.used ? slot_conn(&tracker->conns, slot) : NULL;
}

void tracker_for_each_listener(const struct tracker *tracker, listener_visit_fn visit, void *ctx)
{
	const struct listener_entry *entry;

	for (entry = tracker->listeners; entry; entry = entry->hh.next)
		visit(&entry->listener, ctx);
}

void tracker_for_each_proc(struct tracker *tracker, proc_visit_fn visit, void *ctx)
{
	struct proc_entry *entry;

	for (entry = tracker->procs; entry; entry = entry->hh.next)
		visit(&entry->proc, ctx);
}

bool tracker_has_socket(const struct tracker *tracker, uint64_t cookie)
{
	struct tombstone *tomb;

	if (conn_find(tracker, cookie) || listener_find(tracker, cookie))
		return true;
	HASH_FIND(hh, tracker->tombstones, &cookie, sizeof(cookie), tomb);
	return tomb != NULL;
}

bool tracker_has_room(const struct tracker *tracker, const struct ct_event *event)
{
	if (event->type == CT_EV_LISTEN)
		return HASH_COUNT(tracker->listeners) < tracker->limits.max_listeners;
	return tracker->conns.count < tracker->limits.max_conns;
}

int tracker_heal_close(struct tracker *tracker, uint64_t cookie, uint64_t now_ns)
{
	struct tracker_heal_close input = { .cookie = cookie, .now_ns = now_ns };
	struct conn *conn = conn_find(tracker, cookie);

	journal(tracker, TRACKER_IN_HEAL_CLOSE, &input, sizeof(input));
	if (!listener_remove(tracker, cookie)) {
		tracker->stats.corrections++;
		return 0;
	}
	if (!conn || conn->closed)
		return -ENOENT;
	conn_close(tracker, conn, now_ns);
	tracker->stats.corrections++;
	return 0;
}

void tracker_heal_open(struct tracker *tracker, const struct ct_event *seeded)
{
	struct ct_event record = *seeded;

	tracker_identify(tracker, &record);
	journal(tracker, TRACKER_IN_HEAL_OPEN, &record, sizeof(record));
	tracker->stats.corrections++;
	apply(tracker, &record);
}

void tracker_set_traffic(struct tracker *tracker, uint64_t cookie, const struct ct_traffic *traffic,
			 bool absolute)
{
	struct tracker_traffic input = { .cookie = cookie, .absolute = absolute };
	struct conn *conn = conn_find(tracker, cookie);
	struct ct_traffic now;

	if (!conn || conn->closed)
		return; /* not a connection we know, or its close already gave the final counts */
	now = absolute ? *traffic : counted(tracker, conn, traffic);
	now.pad = 0;
	if (!memcmp(&now, &conn->traffic, sizeof(now)))
		return;
	input.traffic = *traffic;
	journal(tracker, TRACKER_IN_TRAFFIC, &input, sizeof(input));
	conn_set_traffic(tracker, conn, &now);
}

void tracker_give_detail(struct tracker *tracker, const struct proc_key *key,
			 const struct proc_detail *detail)
{
	struct tracker_detail input = { .key = *key, .detail = *detail };
	struct proc_entry *entry;

	journal(tracker, TRACKER_IN_DETAIL, &input, sizeof(input));
	HASH_FIND(hh, tracker->procs, key, sizeof(*key), entry);
	if (!entry)
		return;
	if (!entry->proc.detail && !(entry->proc.detail = malloc(sizeof(*detail))))
		return; /* shown without details; tried again next frame */
	*entry->proc.detail = *detail;
}
