// SPDX-License-Identifier: GPL-2.0-only
/* JSON, format 1 (docs/EXPORT.md): one document on one line, so frames can be JSON Lines. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "export.h"
#include "export_common.h"
#include "table.h"

static void json_str(FILE *out, const char *s, size_t max)
{
	fputc('"', out);
	export_put_escaped(out, s, max, QUOTE_JSON);
	fputc('"', out);
}

/* null for "": not known, or none. */
static void json_str_or_null(FILE *out, const char *s, size_t max)
{
	if (max && s[0])
		json_str(out, s, max);
	else
		fputs("null", out);
}

/* Seconds with 3 decimals, from nanoseconds. */
static void json_seconds(FILE *out, uint64_t ns)
{
	fprintf(out, "%llu.%03llu", (unsigned long long)(ns / 1000000000ull),
		(unsigned long long)(ns / 1000000ull % 1000));
}

/* Bytes per second with 1 decimal; null on the first frame, which has no interval. */
static void json_rate(FILE *out, const struct snapshot *snap, uint64_t bytes)
{
	if (snap->interval_ns)
		fprintf(out, "%.1f", snapshot_rate(snap, bytes));
	else
		fputs("null", out);
}

/* ,"send_rate":...,"receive_rate":... */
static void json_rates(FILE *out, const struct snapshot *snap, uint64_t sent, uint64_t received)
{
	fputs(",\"send_rate\":", out);
	json_rate(out, snap, sent);
	fputs(",\"receive_rate\":", out);
	json_rate(out, snap, received);
}

static void json_container(FILE *out, const struct snap_container *c)
{
	if (!c->runtime[0]) {
		fputs("null", out);
		return;
	}
	fputs("{\"id\":", out);
	json_str(out, FIELD(c->id));
	fputs(",\"name\":", out);
	json_str(out, FIELD(c->name));
	fputs(",\"runtime\":", out);
	json_str(out, FIELD(c->runtime));
	fputs(",\"pod\":", out);
	json_str_or_null(out, FIELD(c->pod));
	fputc('}', out);
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

/* The counters of header line 0, then every counter of line 1: none is left out. */
static void json_stats(FILE *out, const struct snapshot *snap)
{
	const struct tracker_stats *t = &snap->stats.tracker;
	struct counter counters[TABLE_MAX_COUNTERS];
	size_t n = table_counters(snap, counters, TABLE_MAX_COUNTERS), i;
	char key[64];

	fprintf(out,
		"{\"events\":%llu,\"lost\":%llu,\"active\":%llu,\"opened\":%llu,"
		"\"opened_in\":%llu,\"opened_out\":%llu,\"closed\":%llu,\"frame_events\":%llu",
		(unsigned long long)t->events, (unsigned long long)snap->stats.lost,
		(unsigned long long)t->active, (unsigned long long)(t->opened_in + t->opened_out),
		(unsigned long long)t->opened_in, (unsigned long long)t->opened_out,
		(unsigned long long)t->closed, (unsigned long long)snap->frame_events);
	for (i = 0; i < n; i++) {
		snake_case(counters[i].name, key, sizeof(key));
		fputc(',', out);
		json_str(out, FIELD(key));
		fprintf(out, ":%llu", (unsigned long long)counters[i].value);
	}
	fputc('}', out);
}

static void json_node(FILE *out, const struct snapshot *snap, const struct snap_node *node)
{
	char id[NODE_ID_LEN];
	int i;

	export_node_id(node, FIELD(id));
	fputs("{\"id\":", out);
	json_str(out, FIELD(id));
	if (node->kind != NODE_PROCESS) {
		fputs(",\"kind\":\"remote\",\"name\":", out);
		json_str(out, FIELD(node->name));
		fputs(",\"address\":", out);
		json_str(out, FIELD(node->name));
		fputc('}', out);
		return;
	}
	fputs(",\"kind\":\"process\",\"name\":", out);
	json_str(out, FIELD(node->name));
	fprintf(out, ",\"pid\":%u,\"ppid\":", node->pid);
	if (node->ppid)
		fprintf(out, "%u", node->ppid);
	else
		fputs("null", out);
	fputs(",\"comm\":", out);
	json_str(out, FIELD(node->comm));
	fputs(",\"user\":", out);
	json_str(out, FIELD(node->user));
	fputs(",\"cmdline\":", out);
	json_str(out, FIELD(node->cmdline));
	fprintf(out, ",\"netns\":%u,\"netns_name\":", node->netns);
	json_str_or_null(out, FIELD(node->netns_name));
	fprintf(out, ",\"cgroup_id\":%llu,\"container\":", (unsigned long long)node->cgroup_id);
	json_container(out, &node->container);
	fputs(",\"listening\":[", out);
	for (i = 0; i < node->nlistening && i < SNAP_MAX_LISTEN; i++)
		fprintf(out, "%s%u", i ? "," : "", node->listening[i]);
	fprintf(out, "],\"conns_in\":%u,\"conns_out\":%u,\"opened\":%u", node->conns_in,
		node->conns_out, node->opened);
	json_rates(out, snap, node->sent_delta, node->received_delta);
	fputc('}', out);
}

/* An end of an edge by its node's id; null if the index is out of range (never, but cheap). */
static void json_node_ref(FILE *out, const struct snapshot *snap, size_t index)
{
	char id[NODE_ID_LEN];

	if (index >= snap->nnodes) {
		fputs("null", out);
		return;
	}
	export_node_id(&snap->nodes[index], FIELD(id));
	json_str(out, FIELD(id));
}

static void json_edge(FILE *out, const struct snapshot *snap, const struct snap_edge *e)
{
	fputs("{\"from\":", out);
	json_node_ref(out, snap, e->client);
	fputs(",\"to\":", out);
	json_node_ref(out, snap, e->server);
	fprintf(out,
		",\"port\":%u,\"active\":%u,\"opened\":%llu,\"closed\":%llu,\"bytes_sent\":%llu,"
		"\"bytes_received\":%llu,\"retransmits\":%llu",
		e->port, e->active, (unsigned long long)e->opened, (unsigned long long)e->closed,
		(unsigned long long)e->bytes_sent, (unsigned long long)e->bytes_received,
		(unsigned long long)e->retransmits);
	json_rates(out, snap, e->sent_delta, e->received_delta);
	fputc('}', out);
}

static void json_conn(FILE *out, const struct snapshot *snap, const struct snap_conn *c)
{
	char state[32], addr[ADDR_PORT_LEN];
	const char *comm = snap_conn_comm(snap, c);

	fprintf(out, "{\"cookie\":%llu,\"pid\":", (unsigned long long)c->cookie);
	if (c->pid)
		fprintf(out, "%u", c->pid);
	else
		fputs("null", out);
	fputs(",\"comm\":", out);
	json_str(out, comm, SNAP_COMM_LEN);
	fprintf(out, ",\"netns\":%u,\"cgroup_id\":%llu,\"container\":", c->netns,
		(unsigned long long)c->cgroup_id);
	json_container(out, snap_conn_container(snap, c));
	fprintf(out, ",\"direction\":\"%s\",\"local\":", c->dir == CONN_IN ? "in" : "out");
	snap_conn_local(c, FIELD(addr));
	json_str(out, FIELD(addr));
	fputs(",\"remote\":", out);
	snap_conn_remote(c, FIELD(addr));
	json_str(out, FIELD(addr));
	fprintf(out, ",\"local_port\":%u,\"remote_port\":%u,\"state\":", c->lport, c->rport);
	table_cell(snap, c, COL_STATE,
		   FIELD(state)); /* as the screen says it: CLOSED once closed */
	json_str(out, FIELD(state));
	fputs(",\"age_s\":", out);
	json_seconds(out, c->age_ns);
	fprintf(out, ",\"closed\":%s,\"seeded\":%s,\"new\":%s", c->closed ? "true" : "false",
		c->seeded ? "true" : "false", c->fresh ? "true" : "false");
	fprintf(out, ",\"bytes_sent\":%llu,\"bytes_received\":%llu,\"retransmits\":%u",
		(unsigned long long)c->bytes_sent, (unsigned long long)c->bytes_received,
		c->retransmits);
	json_rates(out, snap, c->sent_delta, c->received_delta);
	fputc('}', out);
}

int export_json(FILE *out, const struct snapshot *snap)
{
	char time[64];
	size_t i;

	export_iso_time(&snap->wall, FIELD(time));
	fprintf(out, "{\"format\":%d,\"time\":", EXPORT_JSON_VERSION);
	json_str_or_null(out, FIELD(time));
	fprintf(out, ",\"time_ms\":%lld,\"host\":",
		(long long)snap->wall.tv_sec * 1000 + snap->wall.tv_nsec / 1000000);
	json_str_or_null(out, FIELD(snap->host));
	fputs(",\"kernel\":", out);
	json_str_or_null(out, FIELD(snap->kernel));
	fputs(",\"source\":", out);
	json_str_or_null(out, FIELD(snap->source_kind));
	fputs(",\"source_detail\":", out);
	json_str_or_null(out, FIELD(snap->source));
	fputs(",\"interval_s\":", out);
	if (snap->interval_ns)
		json_seconds(out, snap->interval_ns);
	else
		fputs("null", out);
	fputs(",\"stats\":", out);
	json_stats(out, snap);
	fputs(",\"nodes\":[", out);
	for (i = 0; i < snap->nnodes && !ferror(out); i++) {
		if (i)
			fputc(',', out);
		json_node(out, snap, &snap->nodes[i]);
	}
	fputs("],\"edges\":[", out);
	for (i = 0; i < snap->nedges && !ferror(out); i++) {
		if (i)
			fputc(',', out);
		json_edge(out, snap, &snap->edges[i]);
	}
	fputs("],\"connections\":[", out);
	for (i = 0; i < snap->nconns && !ferror(out); i++) {
		if (i)
			fputc(',', out);
		json_conn(out, snap, &snap->conns[i]);
	}
	fputs("]}\n", out);
	return export_finish(out);
}
