// SPDX-License-Identifier: GPL-2.0-only
#include "tracker.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#define NS_PER_SEC 1000000000ull

struct conn_entry {
	struct conn conn;
	UT_hash_handle hh; /* by conn.cookie */
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
	struct conn_entry *conns;
	struct proc_entry *procs;
	struct listener_entry *listeners;
	struct tombstone *tombstones;
	tracker_journal_fn journal;
	void *journal_ctx;
	bool ids_by_tuple; /* the source has no cookies: see tracker_identify() */
};

static const struct tracker_limits default_limits = {
	.max_conns = 1 << 20,
	.max_procs = 1 << 18,
	.max_listeners = 1 << 16,
	.max_tombstones = 1 << 16,
	.tombstone_ns = 10 * NS_PER_SEC,
};

struct tracker *tracker__new(const struct tracker_limits *limits)
{
	struct tracker *tracker = calloc(1, sizeof(*tracker));

	if (!tracker)
		return NULL;
	tracker->limits = limits ? *limits : default_limits;
	return tracker;
}

void tracker__free(struct tracker *tracker)
{
	struct conn_entry *conn, *conn_tmp;
	struct proc_entry *proc, *proc_tmp;
	struct listener_entry *lis, *lis_tmp;
	struct tombstone *tomb, *tomb_tmp;

	if (!tracker)
		return;
	HASH_ITER (hh, tracker->conns, conn, conn_tmp) {
		HASH_DEL(tracker->conns, conn);
		free(conn);
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

static struct conn_entry *conn_find(const struct tracker *tracker, uint64_t cookie)
{
	struct conn_entry *entry;

	HASH_FIND(hh, tracker->conns, &cookie, sizeof(cookie), entry);
	return entry;
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
static struct ct_traffic counted(const struct conn *conn, const struct ct_traffic *live)
{
	return (struct ct_traffic){
		.bytes_sent = conn->base.bytes_sent + live->bytes_sent,
		.bytes_received = conn->base.bytes_received + live->bytes_received,
		.retransmits = live->retransmits > conn->base.retransmits ? live->retransmits :
									    conn->base.retransmits,
	};
}

/* A close's counts, when its record has them (CT_F_TRAFFIC); else what was known stays. */
static void close_traffic(struct conn *conn, const struct ct_traffic *traffic, uint16_t flags)
{
	if (flags & CT_F_TRAFFIC)
		conn->traffic = counted(conn, traffic);
}

static void conn_fill(struct tracker *tracker, struct conn *conn, const struct ct_event *event,
		      enum conn_dir dir)
{
	proc_put(conn->proc);
	memset(conn, 0, sizeof(*conn));
	conn->cookie = event->cookie;
	conn->first_frame = tracker->frame;
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
	if (event->flags & CT_F_SEEDED) /* counts from before we looked: not this frame's rate */
		conn->base = conn->traffic = conn->shown = event->traffic;
}

static void count_opened(struct tracker *tracker, enum conn_dir dir)
{
	if (dir == CONN_IN)
		tracker->stats.opened_in++;
	else
		tracker->stats.opened_out++;
}

/*
 * A new connection; @closed_ns is non-zero when its close was already applied (it came late).
 * Returns it, or NULL when the table had no room (counted).
 */
static struct conn_entry *conn_add(struct tracker *tracker, const struct ct_event *event,
				   enum conn_dir dir, uint64_t closed_ns)
{
	struct conn_entry *entry = NULL;

	if (HASH_COUNT(tracker->conns) < tracker->limits.max_conns)
		entry = calloc(1, sizeof(*entry));
	if (!entry) {
		tracker->stats.table_full++;
		return NULL;
	}
	conn_fill(tracker, &entry->conn, event, dir);
	entry->conn.closed = closed_ns != 0;
	entry->conn.closed_ns = closed_ns;
	HASH_ADD(hh, tracker->conns, conn.cookie, sizeof(entry->conn.cookie), entry);
	if (!closed_ns)
		tracker->stats.active++;
	return entry;
}

/* A seeded open: the socket was in a dump taken at event->ts_ns, opened before we looked. */
static void on_seeded_open(struct tracker *tracker, const struct ct_event *event, enum conn_dir dir)
{
	struct conn_entry *entry;
	struct tombstone *tomb;
	uint64_t closed_ns = 0;

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
	entry = conn_add(tracker, event, dir, closed_ns);
	if (entry) {
		entry->conn.seeded = true;
		if (tomb)
			close_traffic(&entry->conn, &tomb->traffic, tomb->flags);
	}
	free(tomb);
}

static void on_open(struct tracker *tracker, const struct ct_event *event, enum conn_dir dir)
{
	struct conn_entry *entry;
	struct tombstone *tomb;

	if (event->flags & CT_F_SEEDED) {
		on_seeded_open(tracker, event, dir);
		return;
	}
	entry = conn_find(tracker, event->cookie);
	if (entry && !entry->conn.closed && entry->conn.seeded) {
		/* Opened after attach but applied from the dump first: the event has it all. */
		tracker->stats.seeded--;
		count_opened(tracker, dir);
		conn_fill(tracker, &entry->conn, event, dir);
		return;
	}
	if (entry && !entry->conn.closed) {
		tracker->stats.duplicate_opens++;
		if (!entry->conn.proc) /* a later record may know the owner */
			entry->conn.proc = proc_get(tracker, event);
		return;
	}
	if (entry) {
		if (event->ts_ns <= entry->conn.closed_ns) {
			tracker->stats.late++; /* a stale open of the connection that just closed */
			return;
		}
		/* The same socket connected again (after a disconnect): a new connection. */
		conn_fill(tracker, &entry->conn, event, dir);
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
		entry = conn_add(tracker, event, dir, tomb->closed_ns);
		if (entry) /* the close's final counts */
			close_traffic(&entry->conn, &tomb->traffic, tomb->flags);
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
}

static void on_close(struct tracker *tracker, const struct ct_event *event)
{
	struct conn_entry *entry = conn_find(tracker, event->cookie);

	if (!entry) {
		tracker->stats.close_unseen++;
		if (event->flags & CT_F_NOT_ACCEPTED)
			tracker->stats.not_accepted++;
		tombstone_add(tracker, event);
		return;
	}
	if (entry->conn.closed || event->ts_ns < entry->conn.opened_ns) {
		/* A repeated close, or the close of an earlier connection of this socket. */
		tracker->stats.late++;
		return;
	}
	entry->conn.state = event->state;
	close_traffic(&entry->conn, &event->traffic, event->flags);
	conn_close(tracker, &entry->conn, event->ts_ns);
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

void tracker_identify(const struct tracker *tracker, struct ct_event *record)
{
	uint64_t tuple_id;

	if (record->cookie & 1ull << 63)
		return; /* named already */
	if (tracker->ids_by_tuple) {
		record->cookie = tracker_tuple_id(record);
		return;
	}
	/* Only accepted sockets inherit: connects and listeners keep theirs (and cost nothing). */
	if (record->type != CT_EV_ACCEPT && record->type != CT_EV_CLOSE)
		return;
	if (record->type == CT_EV_CLOSE && conn_find(tracker, record->cookie))
		return; /* the usual case: one lookup */
	if (listener_find(tracker, record->cookie)) {
		/* A cookie inherited from its listener. */
		record->cookie = tracker_tuple_id(record);
		return;
	}
	if (record->type != CT_EV_CLOSE)
		return;
	tuple_id = tracker_tuple_id(record);
	if (conn_find(tracker, tuple_id))
		record->cookie = tuple_id; /* an inherited cookie, its listener already gone */
}

void tracker_apply(struct tracker *tracker, const struct ct_event *event)
{
	struct ct_event record = *event;

	tracker_identify(tracker, &record);
	journal(tracker, TRACKER_IN_EVENT, &record, sizeof(record));
	apply(tracker, &record);
}

static void apply(struct tracker *tracker, const struct ct_event *event)
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
		on_close(tracker, event);
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
	struct conn_entry *conn, *conn_tmp;
	struct proc_entry *proc, *proc_tmp;
	struct tombstone *tomb, *tomb_tmp;

	journal(tracker, TRACKER_IN_END_FRAME, NULL, 0);
	HASH_ITER (hh, tracker->conns, conn, conn_tmp) {
		if (!conn->conn.closed) {
			conn->conn.shown =
				conn->conn.traffic; /* the next frame's rates start here */
			continue;
		}
		proc_put(conn->conn.proc);
		HASH_DEL(tracker->conns, conn);
		free(conn);
	}
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
	return HASH_COUNT(tracker->conns);
}

void tracker_for_each_conn(const struct tracker *tracker, conn_visit_fn visit, void *ctx)
{
	const struct conn_entry *entry;

	for (entry = tracker->conns; entry; entry = entry->hh.next)
		visit(&entry->conn, ctx);
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

int tracker_heal_close(struct tracker *tracker, uint64_t cookie, uint64_t now_ns)
{
	struct tracker_heal_close input = { .cookie = cookie, .now_ns = now_ns };
	struct conn_entry *entry = conn_find(tracker, cookie);

	journal(tracker, TRACKER_IN_HEAL_CLOSE, &input, sizeof(input));
	if (!listener_remove(tracker, cookie)) {
		tracker->stats.corrections++;
		return 0;
	}
	if (!entry || entry->conn.closed)
		return -ENOENT;
	conn_close(tracker, &entry->conn, now_ns);
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
	struct conn_entry *entry = conn_find(tracker, cookie);
	struct ct_traffic now;

	if (!entry || entry->conn.closed)
		return; /* not a connection we know, or its close already gave the final counts */
	now = absolute ? *traffic : counted(&entry->conn, traffic);
	now.pad = 0;
	if (!memcmp(&now, &entry->conn.traffic, sizeof(now)))
		return;
	input.traffic = *traffic;
	journal(tracker, TRACKER_IN_TRAFFIC, &input, sizeof(input));
	entry->conn.traffic = now;
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
