// SPDX-License-Identifier: GPL-2.0-only
#include "filter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scratch.h"

void filter_init(struct snapshot_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->port = -1;
}

/* Criteria about who owns a socket, as opposed to which port it uses. */
static bool has_owner_criteria(const struct snapshot_filter *f)
{
	return f->pid || f->netns || f->container[0];
}

bool filter_active(const struct snapshot_filter *f)
{
	return f->port >= 0 || has_owner_criteria(f) || f->text[0];
}

static void append(char *buf, size_t size, size_t *len, const char *fmt, const char *what,
		   unsigned long number)
{
	int n;

	if (*len >= size)
		return;
	n = what ? snprintf(buf + *len, size - *len, fmt, *len ? ", " : "", what) :
		   snprintf(buf + *len, size - *len, fmt, *len ? ", " : "", number);
	if (n > 0)
		*len += (size_t)n;
}

void filter_describe(const struct snapshot_filter *f, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	if (f->port >= 0)
		append(buf, size, &len, "%sport %lu", NULL, (unsigned long)f->port);
	if (f->pid)
		append(buf, size, &len, "%spid %lu", NULL, f->pid);
	if (f->container[0])
		append(buf, size, &len, "%scontainer %s", f->container, 0);
	if (f->netns)
		append(buf, size, &len, "%snetns %lu", NULL, f->netns);
	if (f->text[0])
		append(buf, size, &len, "%ssearch \"%s\"", f->text, 0);
}

static bool contains(const char *haystack, const char *needle)
{
	return strcasestr(haystack, needle) != NULL;
}

static bool container_matches(const struct snap_container *c, const char *want)
{
	if (!c->runtime[0])
		return false;
	return !strcmp(c->name, want) || !strcmp(c->pod, want) ||
	       !strncmp(c->id, want, strlen(want));
}

static bool container_has_text(const struct snap_container *c, const char *text)
{
	return c->runtime[0] && (contains(c->name, text) || contains(c->pod, text));
}

/* Whether @text is in either end of @conn as text. */
static bool addresses_contain(const struct snap_conn *conn, const char *text)
{
	char addr[ADDR_PORT_LEN];

	snap_conn_local(conn, addr, sizeof(addr));
	if (contains(addr, text))
		return true;
	snap_conn_remote(conn, addr, sizeof(addr));
	return contains(addr, text);
}

bool filter_conn(const struct snapshot_filter *f, const struct snapshot *snap,
		 const struct snap_conn *conn)
{
	const struct snap_container *container = snap_conn_container(snap, conn);

	if (f->port >= 0 && conn->lport != f->port && conn->rport != f->port)
		return false;
	if ((f->pid && conn->pid != f->pid) || (f->netns && conn->netns != f->netns))
		return false;
	if (f->container[0] && !container_matches(container, f->container))
		return false;
	return !f->text[0] || contains(snap_conn_comm(snap, conn), f->text) ||
	       addresses_contain(conn, f->text) || container_has_text(container, f->text);
}

/* Whether @node is one @f asks for by owner and text; ports are judged by its edges. */
static bool node_is_wanted(const struct snapshot_filter *f, const struct snap_node *node)
{
	if (node->kind != NODE_PROCESS)
		return !has_owner_criteria(f) && (!f->text[0] || contains(node->name, f->text));
	if ((f->pid && node->pid != f->pid) || (f->netns && node->netns != f->netns))
		return false;
	if (f->container[0] && !container_matches(&node->container, f->container))
		return false;
	return !f->text[0] || contains(node->name, f->text) || contains(node->cmdline, f->text) ||
	       contains(node->netns_name, f->text) || container_has_text(&node->container, f->text);
}

bool filter_edge(const struct snapshot_filter *f, const struct snapshot *snap,
		 const struct snap_edge *edge)
{
	if (f->port >= 0 && edge->port != f->port)
		return false;
	if (!has_owner_criteria(f) && !f->text[0])
		return true;
	return node_is_wanted(f, &snap->nodes[edge->client]) ||
	       node_is_wanted(f, &snap->nodes[edge->server]);
}

static bool listens_on(const struct snap_node *node, int port)
{
	int i;

	for (i = 0; i < node->nlistening; i++)
		if (node->listening[i] == port)
			return true;
	return false;
}

void filter_nodes(const struct snapshot_filter *f, const struct snapshot *snap, bool *shown)
{
	size_t i;

	for (i = 0; i < snap->nnodes; i++)
		shown[i] = node_is_wanted(f, &snap->nodes[i]) &&
			   (f->port < 0 || listens_on(&snap->nodes[i], f->port));
	if (f->port < 0)
		return;
	for (i = 0; i < snap->nedges; i++) { /* or it talks on that port */
		const struct snap_edge *e = &snap->edges[i];

		if (e->port != f->port)
			continue;
		if (node_is_wanted(f, &snap->nodes[e->client]))
			shown[e->client] = true;
		if (node_is_wanted(f, &snap->nodes[e->server]))
			shown[e->server] = true;
	}
}

/*
 * A copy of @snap's header with arrays for @nconns rows, @nprocs processes, @nnodes nodes and
 * @nedges edges, none of them filled yet: sized to what is kept, since a frame is copied so for
 * every batch frame and export (a 120-byte row each, a 5 KB node).
 */
static struct snapshot *filtered_alloc(const struct snapshot *snap, size_t nconns, size_t nprocs,
				       size_t nnodes, size_t nedges)
{
	struct snapshot *out = malloc(sizeof(*out));

	if (!out)
		return NULL;
	*out = *snap;
	out->nconns = out->nnodes = out->nedges = out->nprocs = 0;
	out->conns_cap = nconns + 1;
	out->procs_cap = nprocs + 1;
	out->nodes_cap = nnodes + 1;
	out->edges_cap = nedges + 1;
	out->addr_width = 0; /* of what is kept: found again when asked */
	out->conns = malloc(out->conns_cap * sizeof(*out->conns));
	out->procs = malloc(out->procs_cap * sizeof(*out->procs));
	out->nodes = malloc(out->nodes_cap * sizeof(*out->nodes));
	out->edges = malloc(out->edges_cap * sizeof(*out->edges));
	if (!out->conns || !out->procs || !out->nodes || !out->edges) {
		snapshot__free(out);
		return NULL;
	}
	return out;
}

/* The connections kept (@rows, @n of them), with their processes' shared parts, renumbered. */
static void copy_conns(const struct snapshot *snap, const uint32_t *rows, size_t n, uint32_t *proc,
		       struct snapshot *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct snap_conn *c = &out->conns[out->nconns++];

		*c = snap->conns[rows[i]];
		if (c->proc == SNAP_NO_PROC || c->proc > snap->nprocs) {
			c->proc = SNAP_NO_PROC;
			continue;
		}
		if (proc[c->proc - 1] == SNAP_NO_PROC) {
			out->procs[out->nprocs++] = snap->procs[c->proc - 1];
			proc[c->proc - 1] = (uint32_t)out->nprocs; /* 1 + where it went */
		}
		c->proc = proc[c->proc - 1];
	}
}

struct snapshot *snapshot_filtered(const struct snapshot *snap, const struct snapshot_filter *f)
{
	bool *keep = calloc(snap->nnodes + 1, sizeof(*keep));
	size_t *renumber = calloc(snap->nnodes + 1, sizeof(*renumber));
	uint32_t *rows = scratch_alloc((snap->nconns + 1) * sizeof(*rows));
	uint32_t *proc = calloc(snap->nprocs + 1, sizeof(*proc)); /* SNAP_NO_PROC each */
	size_t nrows = 0, nprocs = 0, nnodes = 0, nedges = 0, i;
	struct snapshot *out = NULL;
	bool all = !filter_active(f);

	if (!keep || !renumber || !rows || !proc)
		goto out;
	for (i = 0; i < snap->nconns; i++)
		if (all || filter_conn(f, snap, &snap->conns[i]))
			rows[nrows++] = (uint32_t)i;
	for (i = 0; i < nrows; i++) { /* processes the kept rows name, each once */
		uint32_t p = snap->conns[rows[i]].proc;

		if (p != SNAP_NO_PROC && p <= snap->nprocs && !proc[p - 1]) {
			proc[p - 1] = 1;
			nprocs++;
		}
	}
	memset(proc, 0, (snap->nprocs + 1) * sizeof(*proc));
	filter_nodes(f, snap, keep);
	for (i = 0; i < snap->nedges; i++)
		if (filter_edge(f, snap, &snap->edges[i])) {
			keep[snap->edges[i].client] = keep[snap->edges[i].server] = true;
			nedges++;
		}
	for (i = 0; i < snap->nnodes; i++)
		nnodes += keep[i];
	out = filtered_alloc(snap, nrows, nprocs, nnodes, nedges);
	if (!out)
		goto out;
	copy_conns(snap, rows, nrows, proc, out);
	for (i = 0; i < snap->nnodes; i++) {
		if (!keep[i])
			continue;
		renumber[i] = out->nnodes;
		out->nodes[out->nnodes++] = snap->nodes[i];
	}
	for (i = 0; i < snap->nedges; i++) {
		struct snap_edge e = snap->edges[i];

		if (!filter_edge(f, snap, &e))
			continue;
		e.client = renumber[e.client];
		e.server = renumber[e.server];
		out->edges[out->nedges++] = e;
	}
out:
	free(keep);
	free(renumber);
	scratch_free(rows);
	free(proc);
	return out;
}
