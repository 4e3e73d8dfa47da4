// SPDX-License-Identifier: GPL-2.0-only
/*
 * JSON, format 1 (docs/EXPORT.md): one document on one line, so frames can be JSON Lines.
 * Written into a struct outbuf field by field, numbers by hand: a row is ~300 bytes and a frame
 * can have 100,000 rows.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "export.h"
#include "export_common.h"
#include "table.h"

static void json_str(struct outbuf *ob, const char *s, size_t max)
{
	outbuf_putc(ob, '"');
	outbuf_escaped(ob, s, max, QUOTE_JSON);
	outbuf_putc(ob, '"');
}

/* null for "": not known, or none. */
static void json_str_or_null(struct outbuf *ob, const char *s, size_t max)
{
	if (max && s[0])
		json_str(ob, s, max);
	else
		outbuf_lit(ob, "null");
}

/* A number, or null for 0 (a pid or ppid that is not known). */
static void json_u64_or_null(struct outbuf *ob, uint64_t v)
{
	if (v)
		outbuf_u64(ob, v);
	else
		outbuf_lit(ob, "null");
}

/* As "%lld": a clock before 1970 is written as it is. */
static void json_s64(struct outbuf *ob, long long v)
{
	if (v < 0)
		outbuf_putc(ob, '-');
	outbuf_u64(ob, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
}

static void json_bool(struct outbuf *ob, bool v)
{
	if (v)
		outbuf_lit(ob, "true");
	else
		outbuf_lit(ob, "false");
}

/* Seconds with 3 decimals, from nanoseconds. */
static void json_seconds(struct outbuf *ob, uint64_t ns)
{
	unsigned int ms = (unsigned int)(ns / 1000000ull % 1000);
	char *p = decimal_u64(outbuf_room(ob, DECIMAL_U64_LEN + 4), ns / 1000000000ull);

	p[0] = '.';
	p[1] = (char)('0' + ms / 100);
	p[2] = (char)('0' + ms / 10 % 10);
	p[3] = (char)('0' + ms % 10);
	ob->p = p + 4;
}

/* Bytes per second with 1 decimal; null on the first frame, which has no interval. */
static void json_rate(struct outbuf *ob, const struct snapshot *snap, uint64_t bytes)
{
	if (snap->interval_ns)
		outbuf_fixed1(ob, snapshot_rate(snap, bytes));
	else
		outbuf_lit(ob, "null");
}

/* ,"send_rate":...,"receive_rate":... */
static void json_rates(struct outbuf *ob, const struct snapshot *snap, uint64_t sent,
		       uint64_t received)
{
	outbuf_lit(ob, ",\"send_rate\":");
	json_rate(ob, snap, sent);
	outbuf_lit(ob, ",\"receive_rate\":");
	json_rate(ob, snap, received);
}

/* An edge's or a connection's byte counts and rates, the last fields of its object. */
static void json_traffic(struct outbuf *ob, const struct snapshot *snap, uint64_t bytes_sent,
			 uint64_t bytes_received, uint64_t retransmits, uint64_t sent_delta,
			 uint64_t received_delta)
{
	outbuf_lit(ob, ",\"bytes_sent\":");
	outbuf_u64(ob, bytes_sent);
	outbuf_lit(ob, ",\"bytes_received\":");
	outbuf_u64(ob, bytes_received);
	outbuf_lit(ob, ",\"retransmits\":");
	outbuf_u64(ob, retransmits);
	json_rates(ob, snap, sent_delta, received_delta);
}

static void json_container(struct outbuf *ob, const struct snap_container *c)
{
	if (!c->runtime[0]) {
		outbuf_lit(ob, "null");
		return;
	}
	outbuf_lit(ob, "{\"id\":");
	json_str(ob, FIELD(c->id));
	outbuf_lit(ob, ",\"name\":");
	json_str(ob, FIELD(c->name));
	outbuf_lit(ob, ",\"runtime\":");
	json_str(ob, FIELD(c->runtime));
	outbuf_lit(ob, ",\"pod\":");
	json_str_or_null(ob, FIELD(c->pod));
	outbuf_putc(ob, '}');
}

/* A counter's name as a key: "edge table full" is "edge_table_full". */
static void snake_case(const char *name, char *buf, size_t size)
{
	size_t i;

	for (i = 0; name[i] && i + 1 < size; i++) {
		char c = name[i];

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		buf[i] = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ? c : '_';
	}
	buf[i] = '\0';
}

/* ,"key":value */
static void json_count(struct outbuf *ob, const char *key, uint64_t value)
{
	outbuf_putc(ob, ',');
	json_str(ob, key, strlen(key));
	outbuf_putc(ob, ':');
	outbuf_u64(ob, value);
}

/* The counters of header line 0, then every counter of line 1: none is left out. */
static void json_stats(struct outbuf *ob, const struct snapshot *snap)
{
	const struct tracker_stats *t = &snap->stats.tracker;
	struct counter counters[TABLE_MAX_COUNTERS];
	size_t n = table_counters(snap, counters, TABLE_MAX_COUNTERS), i;
	char key[64];

	outbuf_lit(ob, "{\"events\":");
	outbuf_u64(ob, t->events);
	json_count(ob, "lost", snap->stats.lost);
	json_count(ob, "active", t->active);
	json_count(ob, "opened", t->opened_in + t->opened_out);
	json_count(ob, "opened_in", t->opened_in);
	json_count(ob, "opened_out", t->opened_out);
	json_count(ob, "closed", t->closed);
	json_count(ob, "frame_events", snap->frame_events);
	for (i = 0; i < n; i++) {
		snake_case(counters[i].name, key, sizeof(key));
		json_count(ob, key, counters[i].value);
	}
	outbuf_putc(ob, '}');
}

static void json_node(struct outbuf *ob, const struct snapshot *snap, const struct snap_node *node)
{
	char id[NODE_ID_LEN];
	int i;

	outbuf_lit(ob, "{\"id\":");
	json_str(ob, id, export_node_id(node, FIELD(id)));
	if (node->kind != NODE_PROCESS) {
		outbuf_lit(ob, ",\"kind\":\"remote\",\"name\":");
		json_str(ob, FIELD(node->name));
		outbuf_lit(ob, ",\"address\":");
		json_str(ob, FIELD(node->name));
		outbuf_putc(ob, '}');
		return;
	}
	outbuf_lit(ob, ",\"kind\":\"process\",\"name\":");
	json_str(ob, FIELD(node->name));
	outbuf_lit(ob, ",\"pid\":");
	outbuf_u64(ob, node->pid);
	outbuf_lit(ob, ",\"ppid\":");
	json_u64_or_null(ob, node->ppid);
	outbuf_lit(ob, ",\"comm\":");
	json_str(ob, FIELD(node->comm));
	outbuf_lit(ob, ",\"user\":");
	json_str(ob, FIELD(node->user));
	outbuf_lit(ob, ",\"cmdline\":");
	json_str(ob, FIELD(node->cmdline));
	outbuf_lit(ob, ",\"netns\":");
	outbuf_u64(ob, node->netns);
	outbuf_lit(ob, ",\"netns_name\":");
	json_str_or_null(ob, FIELD(node->netns_name));
	outbuf_lit(ob, ",\"cgroup_id\":");
	outbuf_u64(ob, node->cgroup_id);
	outbuf_lit(ob, ",\"container\":");
	json_container(ob, &node->container);
	outbuf_lit(ob, ",\"listening\":[");
	for (i = 0; i < node->nlistening && i < SNAP_MAX_LISTEN; i++) {
		if (i)
			outbuf_putc(ob, ',');
		outbuf_u64(ob, node->listening[i]);
	}
	outbuf_lit(ob, "],\"conns_in\":");
	outbuf_u64(ob, node->conns_in);
	outbuf_lit(ob, ",\"conns_out\":");
	outbuf_u64(ob, node->conns_out);
	outbuf_lit(ob, ",\"opened\":");
	outbuf_u64(ob, node->opened);
	json_rates(ob, snap, node->sent_delta, node->received_delta);
	outbuf_putc(ob, '}');
}

/* An end of an edge by its node's id; null if the index is out of range (never, but cheap). */
static void json_node_ref(struct outbuf *ob, const struct snapshot *snap, size_t index)
{
	char id[NODE_ID_LEN];

	if (index >= snap->nnodes) {
		outbuf_lit(ob, "null");
		return;
	}
	json_str(ob, id, export_node_id(&snap->nodes[index], FIELD(id)));
}

static void json_edge(struct outbuf *ob, const struct snapshot *snap, const struct snap_edge *e)
{
	outbuf_lit(ob, "{\"from\":");
	json_node_ref(ob, snap, e->client);
	outbuf_lit(ob, ",\"to\":");
	json_node_ref(ob, snap, e->server);
	outbuf_lit(ob, ",\"port\":");
	outbuf_u64(ob, e->port);
	outbuf_lit(ob, ",\"active\":");
	outbuf_u64(ob, e->active);
	outbuf_lit(ob, ",\"opened\":");
	outbuf_u64(ob, e->opened);
	outbuf_lit(ob, ",\"closed\":");
	outbuf_u64(ob, e->closed);
	json_traffic(ob, snap, e->bytes_sent, e->bytes_received, e->retransmits, e->sent_delta,
		     e->received_delta);
	outbuf_putc(ob, '}');
}

/*
 * What every row of one process repeats, its comm and container, escaped once: rows come
 * grouped by process (by pid), so the last process's text is what the next row needs.
 */
struct proc_text {
	uint32_t proc; /* the snap_conn.proc it is for; SNAP_NO_PROC + 1 past any: none yet */
	size_t comm_len, container_len;
	/* Each byte may become 6, and outbuf_room() asks for a little more than it uses. */
	char comm[6 * SNAP_COMM_LEN + 2 * OUTBUF_ROOM]; /* the quoted string */
	char container[6 * sizeof(struct snap_container) + 2 * OUTBUF_ROOM]; /* object, or null */
};

/* Renders @c's process's strings into @pt through a memory-only outbuf that never flushes. */
static void proc_text_fill(struct proc_text *pt, const struct snapshot *snap,
			   const struct snap_conn *c)
{
	struct outbuf mem;

	outbuf_init(&mem, NULL, pt->comm, sizeof(pt->comm));
	json_str(&mem, snap_conn_comm(snap, c), SNAP_COMM_LEN);
	pt->comm_len = (size_t)(mem.p - pt->comm);
	outbuf_init(&mem, NULL, pt->container, sizeof(pt->container));
	json_container(&mem, snap_conn_container(snap, c));
	pt->container_len = (size_t)(mem.p - pt->container);
	pt->proc = c->proc;
}

static void json_conn(struct outbuf *ob, const struct snapshot *snap, const struct snap_conn *c,
		      struct proc_text *pt)
{
	char addr[ADDR_PORT_LEN];

	if (pt->proc != c->proc)
		proc_text_fill(pt, snap, c);
	outbuf_lit(ob, "{\"cookie\":");
	outbuf_u64(ob, c->cookie);
	outbuf_lit(ob, ",\"pid\":");
	json_u64_or_null(ob, c->pid);
	outbuf_lit(ob, ",\"comm\":");
	outbuf_write(ob, pt->comm, pt->comm_len);
	outbuf_lit(ob, ",\"netns\":");
	outbuf_u64(ob, c->netns);
	outbuf_lit(ob, ",\"cgroup_id\":");
	outbuf_u64(ob, c->cgroup_id);
	outbuf_lit(ob, ",\"container\":");
	outbuf_write(ob, pt->container, pt->container_len);
	if (c->dir == CONN_IN)
		outbuf_lit(ob, ",\"direction\":\"in\",\"local\":");
	else
		outbuf_lit(ob, ",\"direction\":\"out\",\"local\":");
	snap_conn_local(c, FIELD(addr));
	json_str(ob, FIELD(addr));
	outbuf_lit(ob, ",\"remote\":");
	snap_conn_remote(c, FIELD(addr));
	json_str(ob, FIELD(addr));
	outbuf_lit(ob, ",\"local_port\":");
	outbuf_u64(ob, c->lport);
	outbuf_lit(ob, ",\"remote_port\":");
	outbuf_u64(ob, c->rport);
	outbuf_lit(ob, ",\"state\":");
	json_str(ob, table_state(c), SIZE_MAX); /* as the screen says it: CLOSED once closed */
	outbuf_lit(ob, ",\"age_s\":");
	json_seconds(ob, c->age_ns);
	outbuf_lit(ob, ",\"closed\":");
	json_bool(ob, c->closed);
	outbuf_lit(ob, ",\"seeded\":");
	json_bool(ob, c->seeded);
	outbuf_lit(ob, ",\"new\":");
	json_bool(ob, c->fresh);
	json_traffic(ob, snap, c->bytes_sent, c->bytes_received, c->retransmits, c->sent_delta,
		     c->received_delta);
	outbuf_putc(ob, '}');
}

static void json_document(struct outbuf *ob, const struct snapshot *snap, struct proc_text *pt)
{
	char time[64];
	size_t i;

	export_iso_time(&snap->wall, FIELD(time));
	outbuf_lit(ob, "{\"format\":");
	outbuf_u64(ob, EXPORT_JSON_VERSION);
	outbuf_lit(ob, ",\"time\":");
	json_str_or_null(ob, FIELD(time));
	outbuf_lit(ob, ",\"time_ms\":");
	json_s64(ob, (long long)snap->wall.tv_sec * 1000 + snap->wall.tv_nsec / 1000000);
	outbuf_lit(ob, ",\"host\":");
	json_str_or_null(ob, FIELD(snap->host));
	outbuf_lit(ob, ",\"kernel\":");
	json_str_or_null(ob, FIELD(snap->kernel));
	outbuf_lit(ob, ",\"source\":");
	json_str_or_null(ob, FIELD(snap->source_kind));
	outbuf_lit(ob, ",\"source_detail\":");
	json_str_or_null(ob, FIELD(snap->source));
	outbuf_lit(ob, ",\"interval_s\":");
	if (snap->interval_ns)
		json_seconds(ob, snap->interval_ns);
	else
		outbuf_lit(ob, "null");
	outbuf_lit(ob, ",\"stats\":");
	json_stats(ob, snap);
	outbuf_lit(ob, ",\"nodes\":[");
	for (i = 0; i < snap->nnodes && !ob->err; i++) {
		if (i)
			outbuf_putc(ob, ',');
		json_node(ob, snap, &snap->nodes[i]);
	}
	outbuf_lit(ob, "],\"edges\":[");
	for (i = 0; i < snap->nedges && !ob->err; i++) {
		if (i)
			outbuf_putc(ob, ',');
		json_edge(ob, snap, &snap->edges[i]);
	}
	outbuf_lit(ob, "],\"connections\":[");
	for (i = 0; i < snap->nconns && !ob->err; i++) {
		if (i)
			outbuf_putc(ob, ',');
		json_conn(ob, snap, &snap->conns[i], pt);
	}
	outbuf_lit(ob, "]}\n");
}

int export_json(FILE *out, const struct snapshot *snap)
{
	struct proc_text *pt = malloc(sizeof(*pt));
	struct outbuf ob;
	int err;

	if (!pt || (err = outbuf_open(&ob, out))) {
		free(pt);
		return -ENOMEM;
	}
	pt->proc = UINT32_MAX; /* no process has it */
	json_document(&ob, snap, pt);
	free(pt);
	return outbuf_close(&ob);
}
