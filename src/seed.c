// SPDX-License-Identifier: GPL-2.0-only
#include "seed.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <uthash.h>
#include <unistd.h>

#include "array.h"
#include "container.h"
#include "log.h"
#include "procfs.h"
#include "sockdiag.h"

#define MAX_NAMED_NETNS 256

/* Connected states worth a row, and listeners: not TIME_WAIT (already closed) nor SYN_RECV. */
static const uint32_t seeded_states =
	SOCKDIAG_STATE(1) /* ESTABLISHED */ | SOCKDIAG_STATE(4) /* FIN_WAIT1 */ |
	SOCKDIAG_STATE(5) /* FIN_WAIT2 */ | SOCKDIAG_STATE(8) /* CLOSE_WAIT */ |
	SOCKDIAG_STATE(9) /* LAST_ACK */ | SOCKDIAG_STATE(10) /* LISTEN */ |
	SOCKDIAG_STATE(11) /* CLOSING */;

/* A namespace to enter: by a process living in it, or by its `ip netns` file. */
struct netns_target {
	uint32_t netns;
	char path[PATH_MAX];
};

struct targets {
	struct netns_target *items;
	size_t n, cap;
	const char *root;
	int error;
	bool complete; /* every named namespace was read too */
};

static struct netns_target *targets_find(struct targets *t, uint32_t netns)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->items[i].netns == netns)
			return &t->items[i];
	return NULL;
}

static int targets_add(struct targets *t, uint32_t netns, const char *path)
{
	struct netns_target *item;

	if (targets_find(t, netns))
		return 0;
	if (array_reserve(&t->items, t->n, &t->cap, sizeof(*t->items)))
		return -ENOMEM;
	item = &t->items[t->n++];
	item->netns = netns;
	snprintf(item->path, sizeof(item->path), "%s", path);
	return 0;
}

static int add_process_netns(void *ctx, uint32_t netns, int pid)
{
	struct targets *t = ctx;
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/proc/%d/ns/net", t->root, pid);
	return targets_add(t, netns, path);
}

static int find_targets(struct targets *t, const char *root)
{
	struct netns_name named[MAX_NAMED_NETNS];
	size_t n = 0, i;
	int err;

	t->root = root;
	err = procfs_netns_pids(root, add_process_netns, t);
	if (err)
		return err;
	/* Namespaces kept alive by `ip netns add` may have no process at all. */
	err = netns_names_read(root, named, MAX_NAMED_NETNS, &n);
	if (err && err != -ENOSPC)
		return 0;
	t->complete = !err;
	for (i = 0; i < n; i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/run/netns/%s", root, named[i].name);
		if ((err = targets_add(t, named[i].ino, path)))
			return err;
	}
	return 0;
}

/* Records and their inodes grow together, so they share one capacity. */
static int scan_reserve(struct seed_scan *scan)
{
	size_t records_cap = scan->cap, inodes_cap = scan->cap;

	if (array_reserve(&scan->records, scan->nrecords, &records_cap, sizeof(*scan->records)) ||
	    array_reserve(&scan->inodes, scan->nrecords, &inodes_cap, sizeof(*scan->inodes)))
		return -ENOMEM;
	scan->cap = records_cap < inodes_cap ? records_cap : inodes_cap;
	return 0;
}

/* One namespace's dump, kept whole so listeners can tell server sides from client sides. */
struct dump {
	struct sockdiag_sock *socks;
	size_t n, cap;
};

static int collect_sock(void *ctx, const struct sockdiag_sock *s)
{
	struct dump *dump = ctx;

	if (array_reserve(&dump->socks, dump->n, &dump->cap, sizeof(*dump->socks)))
		return -ENOMEM;
	dump->socks[dump->n++] = *s;
	return 0;
}

/* A socket that inherited its listener's cookie (see tracker_identify()). */
static bool shares_listener_cookie(const struct sockdiag_sock *s,
				   const struct sockdiag_sock *listeners, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (listeners[i].cookie == s->cookie)
			return true;
	return false;
}

static int add_records(struct seed_scan *scan, const struct dump *dump, uint32_t netns)
{
	struct sockdiag_sock *listeners = malloc((dump->n ? dump->n : 1) * sizeof(*listeners));
	size_t nlisteners = 0, i;
	int err = 0;

	if (!listeners)
		return -ENOMEM;
	for (i = 0; i < dump->n; i++)
		if (dump->socks[i].state == 10 /* LISTEN */)
			listeners[nlisteners++] = dump->socks[i];
	for (i = 0; i < dump->n; i++) {
		const struct sockdiag_sock *s = &dump->socks[i];
		enum ct_event_type type = sockdiag_event_type(s, listeners, nlisteners);

		if ((err = scan_reserve(scan)))
			break;
		sockdiag_to_event(s, netns, scan->started_ns, type, &scan->records[scan->nrecords]);
		scan->records[scan->nrecords].flags |= CT_F_SEEDED;
		if (type != CT_EV_LISTEN && shares_listener_cookie(s, listeners, nlisteners))
			scan->records[scan->nrecords].cookie =
				tracker_tuple_id(&scan->records[scan->nrecords]);
		scan->inodes[scan->nrecords++] = s->inode;
	}
	free(listeners);
	return err;
}

/*
 * Enters one namespace and dumps it; the caller returns to its own namespace after. Our own is
 * dumped without entering it: that needs no privilege (polling as an unprivileged user).
 */
static int dump_namespace(struct seed_scan *scan, const struct netns_target *target,
			  uint32_t own_netns)
{
	struct dump dump = { 0 };
	int fd, err = 0;

	if (target->netns != own_netns) {
		fd = open(target->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) /* ENOENT: its last process just exited, nothing there */
			return errno == ENOENT ? 0 : -errno;
		err = setns(fd, CLONE_NEWNET) ? -errno : 0;
		close(fd);
		if (!err) /* only then is there a way back to make (unprivileged, none is allowed) */
			scan->entered = true;
	}
	if (!err)
		err = sockdiag_dump(seeded_states, collect_sock, &dump);
	if (!err)
		err = add_records(scan, &dump, target->netns);
	free(dump.socks);
	return err;
}

static int note_netns(struct seed_scan *scan, uint32_t netns)
{
	if (array_reserve(&scan->netns, scan->nnetns, &scan->netns_cap, sizeof(*scan->netns)))
		return -ENOMEM;
	scan->netns[scan->nnetns++] = netns;
	return 0;
}

int seed_scan_run(struct seed_scan *scan, const char *root, uint64_t now_ns)
{
	struct targets targets = { 0 };
	struct stat st;
	int self, err;
	size_t i;

	memset(scan, 0, sizeof(*scan));
	scan->started_ns = now_ns;
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	err = fstat(self, &st) ? -errno : find_targets(&targets, root);
	for (i = 0; !err && i < targets.n; i++) {
		int ns_err = dump_namespace(scan, &targets.items[i], (uint32_t)st.st_ino);

		if (ns_err == -ENOMEM) {
			err = ns_err;
		} else if (ns_err) {
			scan->errors++;
			log_debug("failed to dump the sockets of netns %u: %s",
				  targets.items[i].netns, strerror(-ns_err));
		} else {
			err = note_netns(scan, targets.items[i].netns);
		}
	}
	scan->all_found = !err && targets.complete;
	/* Back home, when we left it (unprivileged, we never could). Never carry on elsewhere. */
	if (scan->entered && setns(self, CLONE_NEWNET) && !err)
		err = -errno;
	close(self);
	free(targets.items);
	return err;
}

void seed_scan_release(struct seed_scan *scan)
{
	free(scan->records);
	free(scan->inodes);
	free(scan->netns);
	memset(scan, 0, sizeof(*scan));
}

/* Socket inode -> owning pid, from one walk of /proc/<pid>/fd. */
struct owner {
	uint32_t inode;
	int pid;
};

struct owners {
	struct owner *items;
	size_t n, cap;
};

static int add_owner(void *ctx, uint32_t inode, int pid)
{
	struct owners *owners = ctx;

	if (array_reserve(&owners->items, owners->n, &owners->cap, sizeof(*owners->items)))
		return -ENOMEM;
	owners->items[owners->n++] = (struct owner){ inode, pid };
	return 0;
}

static int inode_cmp(const void *a, const void *b)
{
	const struct owner *x = a, *y = b;

	return (x->inode > y->inode) - (x->inode < y->inode);
}

static int owner_cmp(const void *a, const void *b)
{
	const struct owner *x = a, *y = b;

	return inode_cmp(a, b) ?: (x->pid > y->pid) - (x->pid < y->pid);
}

/*
 * The owner of a socket held by several processes (inherited across fork, as nginx's listener
 * is by its workers) is the lowest pid: the parent that made it, and the same answer every time.
 */
static const struct owner *owner_of(const struct owners *owners, uint32_t inode)
{
	struct owner key = { .inode = inode };
	const struct owner *found = bsearch(&key, owners->items, owners->n, sizeof(key), inode_cmp);

	while (found && found > owners->items && found[-1].inode == inode)
		found--;
	return found;
}

/* A process read once per pass, however many sockets it has. */
struct proc_cache {
	int pid;
	int found;
	struct proc_info info;
	UT_hash_handle hh;
};

static const struct proc_info *cached_process(struct proc_cache **cache, const char *root, int pid)
{
	struct proc_cache *entry;

	HASH_FIND_INT(*cache, &pid, entry);
	if (!entry) {
		entry = calloc(1, sizeof(*entry));
		if (!entry)
			return NULL;
		entry->pid = pid;
		entry->found = procfs_read_process(root, pid, &entry->info) == 0;
		HASH_ADD_INT(*cache, pid, entry);
	}
	return entry->found ? &entry->info : NULL;
}

static void give_owner(struct ct_event *record, const struct proc_info *info)
{
	/* Raw, as a BPF record's: the sanitized form cut to fit could end inside an escape. */
	size_t len = strnlen(info->comm_raw, sizeof(record->comm) - 1);

	record->pid = info->pid;
	record->tid = info->pid;
	record->proc_start_ns = info->start_ticks * PROC_TICK_NS;
	memset(record->comm, 0, sizeof(record->comm));
	memcpy(record->comm, info->comm_raw, len);
	record->flags &= ~CT_F_NO_TASK;
}

/*
 * The walk made ahead (seed_walk_start()) runs in a thread of its own: on the other CPU while
 * this one dumps the sockets. It starts once the programs are attached, so tracefs (mounted in a
 * mount namespace of our own when the host has none: unshare(), which a threaded process may not
 * do) is there already.
 */
struct seed_walk {
	pthread_t thread;
	bool joined;
	const char *root;
	seed_owners_fn find; /* NULL: walk /proc */
	void *find_ctx;
	struct owners owners;
	int err;
};

static void *walk_run(void *arg)
{
	struct seed_walk *walk = arg;

	walk->err = walk->find ? walk->find(walk->find_ctx, add_owner, &walk->owners) :
				 procfs_socket_owners(walk->root, add_owner, &walk->owners);
	return NULL;
}

struct seed_walk *seed_walk_start(const char *root, seed_owners_fn owners, void *ctx)
{
	struct seed_walk *walk = calloc(1, sizeof(*walk));

	if (!walk)
		return NULL;
	walk->root = root;
	walk->find = owners;
	walk->find_ctx = ctx;
	if (pthread_create(&walk->thread, NULL, walk_run, walk)) {
		free(walk);
		return NULL;
	}
	return walk;
}

/* Waits for @walk to end and takes its owners; -errno when it failed (then walk anew). */
static int walk_collect(struct seed_walk *walk, struct owners *owners)
{
	if (!walk->joined)
		pthread_join(walk->thread, NULL);
	walk->joined = true;
	*owners = walk->owners;
	walk->owners = (struct owners){ 0 };
	return walk->err;
}

void seed_walk_free(struct seed_walk *walk)
{
	struct owners owners;

	if (!walk)
		return;
	walk_collect(walk, &owners); /* never collected: not needed after all */
	free(owners.items);
	free(walk);
}

/*
 * Fills the owner of every record in @want (all when NULL) from /proc/<pid>/fd: from the walk
 * started ahead when there is one, else from a walk now.
 */
static void fill_owners(struct seed_scan *scan, const char *root, const unsigned char *want,
			struct seed_walk *walk)
{
	struct owners owners = { 0 };
	struct proc_cache *cache = NULL, *entry, *tmp;
	size_t i;
	int err = walk ? walk_collect(walk, &owners) : -ENOENT;

	if (err) {
		free(owners.items);
		owners = (struct owners){ 0 };
		err = procfs_socket_owners(root, add_owner, &owners);
	}
	if (err || !owners.n) {
		free(owners.items);
		return; /* rows without an owner are still right; /proc may be hidden from us */
	}
	qsort(owners.items, owners.n, sizeof(*owners.items), owner_cmp);
	for (i = 0; i < scan->nrecords; i++) {
		const struct owner *found;
		const struct proc_info *info;

		if ((want && !want[i]) || !scan->inodes[i])
			continue;
		found = owner_of(&owners, scan->inodes[i]);
		if (found && (info = cached_process(&cache, root, found->pid)))
			give_owner(&scan->records[i], info);
	}
	HASH_ITER (hh, cache, entry, tmp) {
		HASH_DEL(cache, entry);
		free(entry);
	}
	free(owners.items);
}

void seed_identify(const struct tracker *tracker, struct seed_scan *scan)
{
	size_t i;

	for (i = 0; i < scan->nrecords; i++)
		tracker_identify(tracker, &scan->records[i]);
}

/*
 * Whether the tracker can keep @record. A full table is counted per pass in scan->untracked, not
 * as table_full: each pass finds the same sockets again, and a count that grew with every pass
 * would say more was lost than was.
 */
static bool has_room(const struct tracker *tracker, struct seed_scan *scan,
		     const struct ct_event *record)
{
	if (tracker_has_room(tracker, record))
		return true;
	scan->untracked++;
	return false;
}

void seed_apply_initial(struct tracker *tracker, struct seed_scan *scan, const char *root,
			struct seed_walk *walk)
{
	size_t i;

	fill_owners(scan, root, NULL, walk);
	for (i = 0; i < scan->nrecords; i++)
		if (has_room(tracker, scan, &scan->records[i]))
			tracker_apply(tracker, &scan->records[i]);
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

struct stale_socket {
	uint64_t cookie;
	bool listener;
};

/* What the tracker holds that the scan says is gone. */
struct stale {
	const struct seed_scan *scan;
	const uint64_t *cookies; /* the scan's, sorted */
	struct stale_socket *found;
	size_t n, cap;
	int error;
};

static bool scanned(const struct seed_scan *scan, uint32_t netns)
{
	size_t i;

	for (i = 0; i < scan->nnetns; i++)
		if (scan->netns[i] == netns)
			return true;
	return false;
}

/*
 * A namespace that no process and no /run/netns name holds any more is gone, and its sockets with
 * it: no dump will ever show them again, so they are stale too. Only when the pass found every
 * namespace and dumped each one: else one it missed would look gone.
 */
static bool netns_gone(const struct seed_scan *scan, uint32_t netns)
{
	return netns && scan->all_found && !scan->errors && !scanned(scan, netns);
}

static void note_if_stale(struct stale *stale, uint64_t cookie, uint32_t netns, uint64_t since,
			  bool listener)
{
	if (stale->error || since >= stale->scan->started_ns ||
	    !(scanned(stale->scan, netns) || netns_gone(stale->scan, netns)) ||
	    bsearch(&cookie, stale->cookies, stale->scan->nrecords, sizeof(cookie), u64_cmp))
		return;
	if (array_reserve(&stale->found, stale->n, &stale->cap, sizeof(*stale->found))) {
		stale->error = -ENOMEM;
		return;
	}
	stale->found[stale->n++] = (struct stale_socket){ cookie, listener };
}

static void stale_conn(const struct conn *conn, void *ctx)
{
	if (!conn->closed)
		note_if_stale(ctx, conn->cookie, conn->netns, conn->opened_ns, false);
}

static void stale_listener(const struct listener *listener, void *ctx)
{
	note_if_stale(ctx, listener->cookie, listener->netns, listener->opened_ns, true);
}

/* A close (or unlisten) as a record: what polling saw happen, between two passes. */
static void apply_gone(struct tracker *tracker, const struct stale_socket *gone, uint64_t now_ns)
{
	struct ct_event close = {
		.ts_ns = now_ns,
		.cookie = gone->cookie,
		.type = gone->listener ? CT_EV_UNLISTEN : CT_EV_CLOSE,
		.flags = CT_F_NO_TASK,
		.family = AF_INET,
	};

	tracker_apply(tracker, &close);
}

static bool was_missed(const struct seed_missed *missed, uint64_t cookie)
{
	return !missed || (missed->n && bsearch(&cookie, missed->cookies, missed->n, sizeof(cookie),
						u64_cmp) != NULL);
}

/* Keeps this pass's missing sockets for the next; those not confirmed now are not applied. */
static size_t confirm_missing(struct seed_missed *missed, const struct seed_scan *scan,
			      unsigned char *missing)
{
	uint64_t *now = NULL;
	size_t i, n = 0, confirmed = 0;

	for (i = 0; i < scan->nrecords; i++)
		n += missing[i];
	if (n && !(now = malloc(n * sizeof(*now))))
		return 0; /* nothing confirmed: the next pass tries again */
	for (i = 0, n = 0; i < scan->nrecords; i++) {
		if (!missing[i])
			continue;
		now[n++] = scan->records[i].cookie;
		missing[i] = was_missed(missed, scan->records[i].cookie);
		confirmed += missing[i];
	}
	qsort(now, n, sizeof(*now), u64_cmp);
	free(missed->cookies);
	missed->cookies = now;
	missed->n = n;
	return confirmed;
}

void seed_missed_release(struct seed_missed *missed)
{
	free(missed->cookies);
	*missed = (struct seed_missed){ 0 };
}

/*
 * A later scan against the tracker: what it holds that the scan has not is gone, what the scan has
 * that it does not is new. Healing applies both as corrections; polling (@as_events) as the opens
 * and closes it saw, at the scan's time.
 */
static void apply_difference(struct tracker *tracker, struct seed_scan *scan, const char *root,
			     bool as_events, struct seed_missed *missed)
{
	uint64_t *cookies = malloc((scan->nrecords ? scan->nrecords : 1) * sizeof(*cookies));
	unsigned char *missing = calloc(scan->nrecords ? scan->nrecords : 1, 1);
	struct stale stale = { .scan = scan, .cookies = cookies };
	size_t i, nmissing = 0;

	if (!cookies || !missing)
		goto out;
	for (i = 0; i < scan->nrecords; i++)
		cookies[i] = scan->records[i].cookie;
	qsort(cookies, scan->nrecords, sizeof(*cookies), u64_cmp);
	tracker_for_each_conn(tracker, stale_conn, &stale);
	tracker_for_each_listener(tracker, stale_listener, &stale);
	for (i = 0; i < stale.n; i++) {
		if (as_events)
			apply_gone(tracker, &stale.found[i], scan->started_ns);
		else
			tracker_heal_close(tracker, stale.found[i].cookie, scan->started_ns);
	}
	/* A full table is checked first, so that it costs no /proc walk at every pass. */
	for (i = 0; i < scan->nrecords; i++)
		if (!tracker_has_socket(tracker, scan->records[i].cookie) &&
		    has_room(tracker, scan, &scan->records[i]))
			missing[i] = 1, nmissing++;
	if (nmissing && missed)
		nmissing = confirm_missing(missed, scan, missing);
	else if (missed)
		seed_missed_release(missed);
	if (!nmissing)
		goto out; /* the usual case: no /proc walk at all */
	fill_owners(scan, root, missing, NULL);
	for (i = 0; i < scan->nrecords; i++) {
		if (!missing[i])
			continue;
		if (!tracker_has_room(tracker, &scan->records[i])) {
			scan->untracked++; /* the table filled up during this pass */
			continue;
		}
		if (as_events) { /* seen opening: new since the last pass, not from before */
			scan->records[i].flags &= (uint16_t)~CT_F_SEEDED;
			memset(&scan->records[i].traffic, 0, sizeof(scan->records[i].traffic));
			tracker_apply(tracker, &scan->records[i]);
		} else {
			tracker_heal_open(tracker, &scan->records[i]);
		}
	}
out:
	free(stale.found);
	free(missing);
	free(cookies);
}

void seed_apply_heal(struct tracker *tracker, struct seed_scan *scan, const char *root,
		     struct seed_missed *missed)
{
	apply_difference(tracker, scan, root, false, missed);
}

void seed_apply_poll(struct tracker *tracker, struct seed_scan *scan, const char *root)
{
	apply_difference(tracker, scan, root, true, NULL);
}

void seed_count(struct seed_stats *stats, const struct seed_scan *scan)
{
	stats->passes++;
	stats->namespaces = scan->nnetns;
	stats->namespace_errors = scan->errors;
	stats->untracked = scan->untracked;
	stats->sockets = scan->nrecords;
}
