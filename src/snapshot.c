// SPDX-License-Identifier: GPL-2.0-only
#include "snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sanitize.h"

struct fill {
	struct snapshot *snap;
	size_t cap;
	bool failed;
};

static void copy_conn(const struct conn *conn, void *ctx)
{
	struct fill *fill = ctx;
	struct snapshot *snap = fill->snap;
	struct snap_conn *row;
	uint64_t end;

	if (fill->failed)
		return;
	if (snap->nconns == fill->cap) {
		size_t cap = fill->cap ? fill->cap * 2 : 256;
		struct snap_conn *conns = realloc(snap->conns, cap * sizeof(*conns));

		if (!conns) {
			fill->failed = true;
			return;
		}
		snap->conns = conns;
		fill->cap = cap;
	}
	row = &snap->conns[snap->nconns++];
	memset(row, 0, sizeof(*row));
	row->cookie = conn->cookie;
	end = conn->closed ? conn->closed_ns : snap->now_ns;
	row->age_ns = end > conn->opened_ns ? end - conn->opened_ns : 0;
	row->cgroup_id = conn->cgroup_id;
	row->netns = conn->netns;
	row->family = conn->family;
	row->state = conn->state;
	row->dir = conn->dir;
	row->closed = conn->closed;
	row->lport = conn->lport;
	row->rport = conn->rport;
	if (conn->proc) {
		row->pid = conn->proc->key.pid;
		sanitize(row->comm, sizeof(row->comm), conn->proc->comm, sizeof(conn->proc->comm));
	}
	addr_format(row->local, sizeof(row->local), conn->family, conn->laddr, conn->lport);
	addr_format(row->remote, sizeof(row->remote), conn->family, conn->raddr, conn->rport);
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

/* Open before closed, then by pid, direction, local address; the cookie breaks ties. */
static int row_cmp(const void *pa, const void *pb)
{
	const struct snap_conn *a = pa, *b = pb;
	int c;

	if ((c = (int)a->closed - (int)b->closed) || (c = cmp_u64(a->pid, b->pid)) ||
	    (c = (int)a->dir - (int)b->dir) || (c = strcmp(a->local, b->local)))
		return c;
	return cmp_u64(a->cookie, b->cookie);
}

struct snapshot *snapshot_take(const struct tracker *tracker, const struct source_stats *source,
			       uint64_t now_ns, struct timespec wall)
{
	struct snapshot *snap = calloc(1, sizeof(*snap));
	struct fill fill = { .snap = snap };

	if (!snap)
		return NULL;
	snap->now_ns = now_ns;
	snap->wall = wall;
	snap->stats.tracker = *tracker_stats(tracker);
	if (source)
		snap->stats.source = *source;
	snap->stats.lost = snap->stats.source.lost + snap->stats.source.recursion_misses;
	tracker_for_each_conn(tracker, copy_conn, &fill);
	if (fill.failed) {
		snapshot__free(snap);
		return NULL;
	}
	if (snap->nconns)
		qsort(snap->conns, snap->nconns, sizeof(*snap->conns), row_cmp);
	return snap;
}

void snapshot__free(struct snapshot *snap)
{
	if (!snap)
		return;
	free(snap->conns);
	free(snap);
}

void format_age(char *buf, size_t size, uint64_t ns)
{
	uint64_t s = ns / 1000000000ull;

	if (s < 60)
		snprintf(buf, size, "%u.%us", (unsigned int)s,
			 (unsigned int)(ns / 100000000ull % 10));
	else if (s < 3600)
		snprintf(buf, size, "%um%02us", (unsigned int)(s / 60), (unsigned int)(s % 60));
	else if (s < 86400)
		snprintf(buf, size, "%uh%02um", (unsigned int)(s / 3600),
			 (unsigned int)(s / 60 % 60));
	else
		snprintf(buf, size, "%llud%02uh", (unsigned long long)(s / 86400),
			 (unsigned int)(s / 3600 % 24));
}
