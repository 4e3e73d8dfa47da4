// SPDX-License-Identifier: GPL-2.0-only
/* Graphviz DOT: processes clustered by container, then by network namespace. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "export_common.h"

/* DOT: every id and label quoted, whatever the names hold. */

static void dot_str(FILE *out, const char *s, size_t max)
{
	fputc('"', out);
	export_put_escaped(out, s, max, QUOTE_DOT);
	fputc('"', out);
}

static bool in_container(const struct snap_node *node)
{
	return node->container.runtime[0];
}

#define STRNCMP_FIELD(a, b, field) strncmp((a)->field, (b)->field, sizeof((a)->field))

/* Containers by name, then network namespaces by inode; in a cluster, snapshot order. */
static int cluster_cmp(const void *pa, const void *pb, void *ctx)
{
	const struct snap_node *nodes = ctx;
	size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
	const struct snap_node *a = &nodes[ia], *b = &nodes[ib];
	int c;

	if ((c = (int)in_container(b) - (int)in_container(a)))
		return c;
	if (in_container(a)) {
		if ((c = STRNCMP_FIELD(a, b, container.name)) ||
		    (c = STRNCMP_FIELD(a, b, container.runtime)) ||
		    (c = STRNCMP_FIELD(a, b, container.id)))
			return c;
	} else if (a->netns != b->netns) {
		return a->netns < b->netns ? -1 : 1;
	}
	return (ia > ib) - (ia < ib);
}

static bool same_cluster(const struct snap_node *a, const struct snap_node *b)
{
	if (in_container(a) != in_container(b))
		return false;
	if (!in_container(a))
		return a->netns == b->netns;
	return !STRNCMP_FIELD(a, b, container.runtime) && !STRNCMP_FIELD(a, b, container.id);
}

/* "web-1 (docker)\nshop/web-1", or "netns lab-web", or "netns 4026531840". */
static void dot_cluster_label(FILE *out, const struct snap_node *node)
{
	const struct snap_container *c = &node->container;

	fputc('"', out);
	if (in_container(node)) {
		export_put_escaped(out, FIELD(c->name), QUOTE_DOT);
		fputs(" (", out);
		export_put_escaped(out, FIELD(c->runtime), QUOTE_DOT);
		fputc(')', out);
		if (c->pod[0]) {
			fputs("\\n", out);
			export_put_escaped(out, FIELD(c->pod), QUOTE_DOT);
		}
	} else if (node->netns_name[0]) {
		fputs("netns ", out);
		export_put_escaped(out, FIELD(node->netns_name), QUOTE_DOT);
	} else {
		fprintf(out, "netns %u", node->netns);
	}
	fputc('"', out);
}

static void dot_node(FILE *out, const struct snap_node *node, const char *indent)
{
	char id[NODE_ID_LEN];
	int i;

	export_node_id(node, FIELD(id));
	fputs(indent, out);
	dot_str(out, FIELD(id));
	fputs(" [label=\"", out);
	export_put_escaped(out, FIELD(node->name), QUOTE_DOT);
	if (node->kind != NODE_PROCESS) {
		fputs("\", shape=ellipse];\n", out);
		return;
	}
	for (i = 0; i < node->nlistening && i < SNAP_MAX_LISTEN; i++)
		fprintf(out, "%s%u", i ? ", " : "\\nlistening ", node->listening[i]);
	fputc('"', out);
	if (node->cmdline[0]) {
		fputs(", tooltip=", out);
		dot_str(out, FIELD(node->cmdline));
	}
	fputs("];\n", out);
}

static void dot_edge(FILE *out, const struct snapshot *snap, const struct snap_edge *e)
{
	char from[NODE_ID_LEN], to[NODE_ID_LEN], sent[16], received[16];

	if (e->client >= snap->nnodes || e->server >= snap->nnodes)
		return;
	export_node_id(&snap->nodes[e->client], FIELD(from));
	export_node_id(&snap->nodes[e->server], FIELD(to));
	fputc('\t', out);
	dot_str(out, FIELD(from));
	fputs(" -> ", out);
	dot_str(out, FIELD(to));
	fprintf(out, " [label=\":%u\\n%u active, %llu opened, %llu closed", e->port, e->active,
		(unsigned long long)e->opened, (unsigned long long)e->closed);
	if (e->bytes_sent || e->bytes_received) { /* in the client's view, in human units */
		format_bytes(FIELD(sent), e->bytes_sent);
		format_bytes(FIELD(received), e->bytes_received);
		fprintf(out, "\\n%sB sent, %sB received", sent, received);
	}
	if (e->retransmits)
		fprintf(out, "%s%llu retransmits",
			e->bytes_sent || e->bytes_received ? ", " : "\\n",
			(unsigned long long)e->retransmits);
	fprintf(out, "\"%s];\n", e->active ? "" : ", style=dashed");
}

int export_dot(FILE *out, const struct snapshot *snap)
{
	size_t *order = malloc((snap->nnodes + 1) * sizeof(*order));
	size_t nprocs = 0, cluster = 0, i;
	char time[64];

	if (!order)
		return -ENOMEM;
	for (i = 0; i < snap->nnodes; i++)
		if (snap->nodes[i].kind == NODE_PROCESS)
			order[nprocs++] = i;
	qsort_r(order, nprocs, sizeof(*order), cluster_cmp, snap->nodes);

	export_iso_time(&snap->wall, FIELD(time));
	fputs("digraph conntop {\n\tgraph [label=\"conntop", out);
	if (snap->host[0]) {
		fputs(" on ", out);
		export_put_escaped(out, FIELD(snap->host), QUOTE_DOT);
	}
	fprintf(out, "%s%s\", labelloc=t, rankdir=LR, fontname=\"sans-serif\"];\n",
		time[0] ? ", " : "", time);
	fputs("\tnode [shape=box, style=rounded, fontname=\"sans-serif\"];\n"
	      "\tedge [fontname=\"sans-serif\", fontsize=10];\n",
	      out);
	for (i = 0; i < nprocs && !ferror(out); i++) {
		const struct snap_node *node = &snap->nodes[order[i]];

		if (!i || !same_cluster(&snap->nodes[order[i - 1]], node)) {
			if (i)
				fputs("\t}\n", out);
			fprintf(out, "\tsubgraph \"cluster_%zu\" {\n\t\tlabel=", cluster++);
			dot_cluster_label(out, node);
			fputs(in_container(node) ? ";\n\t\tstyle=\"rounded,filled\";"
						   "\n\t\tfillcolor=\"#eef3fb\";\n" :
						   ";\n\t\tstyle=dashed;\n",
			      out);
		}
		dot_node(out, node, "\t\t");
	}
	if (nprocs)
		fputs("\t}\n", out);
	free(order);
	for (i = 0; i < snap->nnodes && !ferror(out); i++)
		if (snap->nodes[i].kind != NODE_PROCESS)
			dot_node(out, &snap->nodes[i], "\t");
	for (i = 0; i < snap->nedges && !ferror(out); i++)
		dot_edge(out, snap, &snap->edges[i]);
	fputs("}\n", out);
	return export_finish(out);
}
