// SPDX-License-Identifier: GPL-2.0-only
#include "table.h"

#include <stdio.h>
#include <string.h>

#include "decimal.h"

static const struct column_def columns[COL_COUNT] = {
	[COL_PID] = { "PID", 7, true },		[COL_COMM] = { "COMM", 15, false },
	[COL_DIR] = { "DIR", 3, false },	[COL_LOCAL] = { "LOCAL", 21, false },
	[COL_REMOTE] = { "REMOTE", 21, false }, [COL_STATE] = { "STATE", 11, false },
	[COL_AGE] = { "AGE", 6, true },		[COL_CONTAINER] = { "CONTAINER", 12, false },
	[COL_NETNS] = { "NETNS", 10, false },	[COL_SENT] = { "SENT", 4, true },
	[COL_RECV] = { "RECV", 4, true },	[COL_RETR] = { "RETR", 4, true },
};

const struct column_def *table_column(enum column col)
{
	return &columns[col];
}

int table_addr_width(const struct snapshot *snap, int min)
{
	int width = snapshot_addr_width(snap);

	return width > min ? width : min;
}

const char *table_state(const struct snap_conn *row)
{
	return row->closed ? "CLOSED" : tcp_state_name(row->state);
}

/*
 * As snprintf(buf, size, "%s"/"%llu"), without printf: the text export asks for every cell of
 * every row, 50,000 rows and more.
 */
static size_t cell_text(char *buf, size_t size, const char *text)
{
	size_t len = strlen(text);

	if (!size)
		return 0;
	if (len >= size)
		len = size - 1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	return len;
}

static size_t cell_number(char *buf, size_t size, uint64_t value)
{
	if (size <= DECIMAL_U64_LEN) {
		decimal_u64_cut(buf, size, value);
		return strlen(buf);
	}
	return decimal_u64_str(buf, value);
}

/* What an snprintf-like call that returned @needed (< 0: an error, its text in @buf) left. */
static size_t cell_written(int needed, const char *buf, size_t size)
{
	if (!size)
		return 0;
	if (needed < 0 || (size_t)needed >= size)
		return strlen(buf);
	return (size_t)needed;
}

size_t table_cell(const struct snapshot *snap, const struct snap_conn *row, enum column col,
		  char *buf, size_t size)
{
	const char *text;

	switch (col) {
	case COL_PID:
		if (row->pid)
			return cell_number(buf, size, row->pid);
		return cell_text(buf, size, "-");
	case COL_COMM:
		text = snap_conn_comm(snap, row);
		return cell_text(buf, size, text[0] ? text : "?");
	case COL_DIR:
		return cell_text(buf, size, row->dir == CONN_IN ? "in" : "out");
	case COL_LOCAL:
		return cell_written(snap_conn_local(row, buf, size), buf, size);
	case COL_REMOTE:
		return cell_written(snap_conn_remote(row, buf, size), buf, size);
	case COL_STATE:
		return cell_text(buf, size, table_state(row));
	case COL_AGE:
		/* A seeded connection is at least this old: it was open when we first looked. */
		buf[0] = '>';
		format_age(buf + row->seeded, size - row->seeded, row->age_ns);
		return strlen(buf);
	case COL_CONTAINER:
		text = snap_conn_container(snap, row)->name;
		return cell_text(buf, size, text[0] ? text : "-");
	case COL_NETNS:
		return cell_number(buf, size, row->netns);
	case COL_SENT:
		return cell_number(buf, size, row->bytes_sent);
	case COL_RECV:
		return cell_number(buf, size, row->bytes_received);
	case COL_RETR:
		return cell_number(buf, size, row->retransmits);
	default:
		return cell_text(buf, size, "?");
	}
}

size_t table_counters(const struct snapshot *snap, struct counter *out, size_t max)
{
	const struct tracker_stats *t = &snap->stats.tracker;
	const struct source_stats *s = &snap->stats.source;
	const struct counter all[] = {
		{ "processes", t->processes, false },
		{ "listening", t->listening, false },
		{ "closed unseen", t->close_unseen, false },
		{ "not accepted", t->not_accepted, false },
		{ "late", t->late, true },
		{ "duplicate", t->duplicate_opens, true },
		{ "invalid", t->invalid, true },
		{ "table full", t->table_full, true },
		{ "untracked", snap->stats.seed.untracked, true },
		{ "tombstones evicted", t->tombstones_evicted, true },
		{ "pending full", s->pending_full, true },
		{ "ring full", s->lost, true },
		{ "skipped runs", s->recursion_misses, true },
		{ "nested", s->nested_rescued, false },
		{ "late records", s->late_records, true },
		{ "failed connects", s->connect_failed, false },
		{ "traffic full", s->traffic_full, true },
		{ "traffic skipped", s->traffic_skipped, true },
		{ "seeded", t->seeded, false },
		{ "corrections", t->corrections, true },
		{ "namespaces", snap->stats.seed.namespaces, false },
		{ "namespace errors", snap->stats.seed.namespace_errors, true },
		{ "sockets dumped", snap->stats.seed.sockets, false },
		{ "dump passes", snap->stats.seed.passes, false },
		{ "edges", snap->stats.topology.edges, false },
		{ "joined", snap->stats.topology.joined, false },
		{ "edge table full", snap->stats.topology.table_full, true },
		{ "cgroup mismatch", snap->stats.cgroup_mismatch, false },
	};
	size_t n = sizeof(all) / sizeof(all[0]), i;

	for (i = 0; i < n && i < max; i++)
		out[i] = all[i];
	return i;
}

void table_header_line(const struct snapshot *snap, int line, char *buf, size_t size)
{
	const struct tracker_stats *t = &snap->stats.tracker;
	struct counter counters[TABLE_MAX_COUNTERS];
	size_t n, i, len;
	struct tm tm = { 0 };

	if (line == 0) {
		localtime_r(&snap->wall.tv_sec, &tm);
		snprintf(buf, size,
			 "conntop %02d:%02d:%02d  events: %llu  lost: %llu  active: %llu  "
			 "opened: %llu (in %llu, out %llu)  closed: %llu",
			 tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned long long)t->events,
			 (unsigned long long)snap->stats.lost, (unsigned long long)t->active,
			 (unsigned long long)(t->opened_in + t->opened_out),
			 (unsigned long long)t->opened_in, (unsigned long long)t->opened_out,
			 (unsigned long long)t->closed);
		return;
	}
	len = 0;
	buf[0] = '\0';
	n = table_counters(snap, counters, TABLE_MAX_COUNTERS);
	for (i = 0; i < n && len < size; i++) {
		int w = snprintf(buf + len, size - len, "%s%s: %llu", i ? "  " : "",
				 counters[i].name, (unsigned long long)counters[i].value);

		if (w < 0)
			break;
		len += (size_t)w;
	}
}
