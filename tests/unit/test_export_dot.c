// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DOT export: byte for byte against tests/fixtures/export/, and rendered by `dot -Tsvg`, which
 * must be installed (scripts/install-deps.sh test): a missing Graphviz fails, it never skips.
 */
#include "test_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "export.h"
#include "snapshot.h"
#include "topology.h"
#include "tracker.h"

#define NS_HOST 4026531840u
#define NS_LAB	4026532500u
#define NS_SHOP 4026532600u

/* Quotes, backslashes, a Graphviz escape (\N), an entity, a newline, bad UTF-8 and CJK. */
#define HOSTILE_RAW "x\"y\\N&lt;\n\xff日本"

static const char *fixtures(void)
{
	return getenv("FIXTURES") ?: "tests/fixtures";
}

static char *read_stream(FILE *f)
{
	char *text = NULL, buf[4096];
	size_t size = 0, n;
	FILE *mem = open_memstream(&text, &size);

	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, mem);
	fclose(mem);
	return text;
}

/*
 * Compares with a file under tests/fixtures/export/: review a change there as a diff.
 * CONNTOP_UPDATE_GOLDEN=1 writes the file instead.
 */
static void assert_golden(const char *text, const char *name)
{
	char path[512], *want;
	FILE *f;

	snprintf(path, sizeof(path), "%s/export/%s", fixtures(), name);
	if (getenv("CONNTOP_UPDATE_GOLDEN")) {
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(text, f);
		fclose(f);
	}
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot read %s", path);
	want = read_stream(f);
	fclose(f);
	assert_string_equal(text, want);
	free(want);
}

static char *dot_of(const struct snapshot *snap)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	assert_int_equal(export_dot(out, snap), 0);
	fclose(out);
	return text;
}

/* The SVG `dot -Tsvg` makes of @dot; it must exit 0 and say nothing (no warning either). */
static char *render(const char *dot)
{
	char in[] = "/tmp/conntop-dot-XXXXXX", err[] = "/tmp/conntop-err-XXXXXX", cmd[128];
	char *svg, *errors;
	int fd, efd, status;
	FILE *p, *e;

	if (system("command -v dot >/dev/null 2>&1") != 0)
		fail_msg("Graphviz (dot) is not installed: run scripts/install-deps.sh test "
			 "(make test does)");
	fd = mkstemp(in);
	efd = mkstemp(err);
	assert_true(fd >= 0 && efd >= 0);
	assert_int_equal(write(fd, dot, strlen(dot)), (ssize_t)strlen(dot));
	close(fd);
	close(efd);
	snprintf(cmd, sizeof(cmd), "dot -Tsvg < %s 2> %s", in, err);
	p = popen(cmd, "r");
	assert_non_null(p);
	svg = read_stream(p);
	status = pclose(p);
	e = fopen(err, "r");
	assert_non_null(e);
	errors = read_stream(e);
	fclose(e);
	unlink(in);
	unlink(err);
	if (!WIFEXITED(status) || WEXITSTATUS(status) || errors[0])
		fail_msg("dot -Tsvg failed (%d): %s\n%s", status, errors, dot);
	free(errors);
	assert_non_null(strstr(svg, "<svg"));
	assert_non_null(strstr(svg, "</svg>"));
	return svg;
}

static size_t count(const char *text, const char *what)
{
	size_t n = 0;

	for (text = strstr(text, what); text; text = strstr(text + 1, what))
		n++;
	return n;
}

static struct snap_node *process(struct snapshot *snap, size_t i, uint32_t pid, const char *comm,
				 uint32_t netns)
{
	struct snap_node *n = &snap->nodes[i];

	n->kind = NODE_PROCESS;
	n->pid = pid;
	n->start_ticks = 10 * pid;
	n->netns = netns;
	snprintf(n->comm, sizeof(n->comm), "%s", comm);
	snprintf(n->name, sizeof(n->name), "%s[%u]", comm, pid);
	return n;
}

static void in_container(struct snap_node *n, const char *runtime, const char *id, const char *name,
			 const char *pod)
{
	snprintf(n->container.runtime, sizeof(n->container.runtime), "%s", runtime);
	snprintf(n->container.id, sizeof(n->container.id), "%s", id);
	snprintf(n->container.name, sizeof(n->container.name), "%s", name);
	snprintf(n->container.pod, sizeof(n->container.pod), "%s", pod);
}

static void address(struct snapshot *snap, size_t i, const char *addr)
{
	snap->nodes[i].kind = NODE_ADDRESS;
	snprintf(snap->nodes[i].name, sizeof(snap->nodes[i].name), "%s", addr);
}

/*
 * Two containers (one of two processes, in a pod), host processes in two network namespaces (one
 * named, badly), a hostile name, two remote addresses and edges between them: in snapshot order,
 * processes by pid, then addresses.
 */
static struct snapshot *scene(void)
{
	struct snapshot *snap = calloc(1, sizeof(*snap));
	struct snap_node *n;

	snap->wall.tv_sec = 1795000000;
	snprintf(snap->host, sizeof(snap->host), "lab\"1\\");
	snap->nnodes = 8;
	snap->nodes = calloc(snap->nnodes, sizeof(*snap->nodes));
	n = process(snap, 0, 100, "curl", NS_HOST);
	snprintf(n->cmdline, sizeof(n->cmdline), "curl -s \"http://web/\"");
	n = process(snap, 1, 300, "nginx", NS_SHOP);
	in_container(n, "containerd", "c0ffee", "web", "shop/web-7d9f");
	n->listening[0] = 80;
	n->listening[1] = 443;
	n->nlistening = 2;
	n = process(snap, 2, 301, "php-fpm", NS_SHOP);
	in_container(n, "containerd", "c0ffee", "web", "shop/web-7d9f");
	n->listening[0] = 9000;
	n->nlistening = 1;
	n = process(snap, 3, 400, HOSTILE_RAW, NS_LAB);
	snprintf(n->netns_name, sizeof(n->netns_name), "lab \"b\"\\");
	n = process(snap, 4, 500, "redis", NS_HOST);
	in_container(n, "docker", "beef", "cache \"ユ\" \\N", "");
	n->listening[0] = 6379;
	n->nlistening = 1;
	n = process(snap, 5, 600, "sshd", NS_HOST);
	n->listening[0] = 22;
	n->nlistening = 1;
	address(snap, 6, "10.0.0.9");
	address(snap, 7, "fd00::9");
	snap->nedges = 6;
	snap->edges = calloc(snap->nedges, sizeof(*snap->edges));
	/* client, server, port, active, opened, closed, sent, received, retransmits, deltas */
	snap->edges[0] = (struct snap_edge){ 0, 1, 80, 3, 10, 7, 1288490, 3565158, 2, 0, 0 };
	snap->edges[1] = (struct snap_edge){ 3, 1, 443, 0, 2, 2, 512, 1023, 0, 0, 0 };
	snap->edges[2] = (struct snap_edge){ 1, 2, 9000, 1, 1, 0, 0, 0, 0, 0, 0 };
	snap->edges[3] = (struct snap_edge){ 2, 4, 6379, 1, 1, 0, 0, 0, 5, 0, 0 };
	snap->edges[4] = (struct snap_edge){ 6, 5, 22, 1, 1, 0, 0, 0, 0, 0, 0 };
	snap->edges[5] = (struct snap_edge){ 5, 7, 443, 1, 4, 3, 0, 5ull << 40, 0, 0, 0 };
	return snap;
}

static void empty_snapshot(void **state)
{
	struct snapshot *snap = calloc(1, sizeof(*snap));
	char *dot, *svg;

	(void)state;
	snap->wall.tv_sec = 1795000000;
	dot = dot_of(snap);
	assert_golden(dot, "empty.dot");
	svg = render(dot);
	free(svg);
	free(dot);
	snapshot__free(snap);
}

static void scene_is_golden_and_renders(void **state)
{
	struct snapshot *snap = scene();
	char *dot = dot_of(snap), *svg;

	(void)state;
	assert_golden(dot, "scene.dot");
	svg = render(dot);
	/* Two containers, two namespaces; every node and edge drawn: no name broke the syntax. */
	assert_int_equal(count(svg, "class=\"cluster\""), 4);
	assert_int_equal(count(svg, "class=\"node\""), 8);
	assert_int_equal(count(svg, "class=\"edge\""), 6);
	free(svg);
	free(dot);
	snapshot__free(snap);
}

/* A name reads as it is: no Graphviz escape or entity in it takes effect. */
static void names_render_as_they_are(void **state)
{
	struct snapshot *snap = scene();
	char *dot = dot_of(snap), *svg = render(dot);

	(void)state;
	/* \N stays text, the entity stays text, the newline is shown escaped, 0xff is U+FFFD. */
	assert_non_null(strstr(svg, "x&quot;y\\N&amp;lt;\\x0a\xef\xbf\xbd日本[400]"));
	assert_non_null(strstr(svg, "cache &quot;ユ&quot; \\N (docker)"));
	assert_non_null(strstr(svg, "netns lab &quot;b&quot;\\"));
	assert_non_null(strstr(svg, "conntop on lab&quot;1\\, 2026&#45;11&#45;18T11:06:40Z"));
	free(svg);
	free(dot);
	snapshot__free(snap);
}

/* Processes in one container share a cluster; the rest go by network namespace. */
static void clusters(void **state)
{
	struct snapshot *snap = scene();
	char *dot = dot_of(snap);
	const char *web = strstr(dot, "label=\"web (containerd)\\nshop/web-7d9f\"");
	const char *cache = strstr(dot, "label=\"cache \\\"ユ\\\" \\\\N (docker)\"");
	const char *host = strstr(dot, "label=\"netns 4026531840\"");
	const char *lab = strstr(dot, "label=\"netns lab \\\"b\\\"\\\\\"");

	(void)state;
	assert_non_null(web);
	assert_non_null(cache);
	assert_non_null(host);
	assert_non_null(lab);
	/* Containers by name first, then namespaces by inode. */
	assert_true(cache < web && web < host && host < lab);
	/* nginx and php-fpm in "web"; curl and sshd together on the host; redis apart. */
	assert_true(strstr(dot, "\"pid:300:3000\"") > web && strstr(dot, "\"pid:301:3010\"") > web);
	assert_true(strstr(dot, "\"pid:300:3000\"") < host);
	assert_true(strstr(dot, "\"pid:100:1000\" [") > host &&
		    strstr(dot, "\"pid:600:6000\" [") > host &&
		    strstr(dot, "\"pid:600:6000\" [") < lab);
	assert_true(strstr(dot, "\"pid:500:5000\" [") > cache &&
		    strstr(dot, "\"pid:500:5000\" [") < web);
	/* Addresses stand outside every cluster, as ellipses. */
	assert_non_null(strstr(dot, "\n\t\"addr:fd00::9\" [label=\"fd00::9\", shape=ellipse];\n"));
	free(dot);
	snapshot__free(snap);
}

static void edges_are_labelled(void **state)
{
	struct snapshot *snap = scene();
	char *dot = dot_of(snap);

	(void)state;
	/* Bytes in the client's view, in human units; retransmits when there were any. */
	assert_non_null(strstr(dot, "\t\"pid:100:1000\" -> \"pid:300:3000\" "
				    "[label=\":80\\n3 active, 10 opened, 7 closed\\n1.2MB sent, "
				    "3.4MB received, 2 retransmits\"];\n"));
	/* No connection open now: dashed. */
	assert_non_null(strstr(dot, "\t\"pid:400:4000\" -> \"pid:300:3000\" "
				    "[label=\":443\\n0 active, 2 opened, 2 closed\\n512B sent, "
				    "1023B received\", style=dashed];\n"));
	/* No bytes moved: no bytes line. */
	assert_non_null(strstr(dot, "[label=\":9000\\n1 active, 1 opened, 0 closed\"];\n"));
	assert_non_null(strstr(dot, "[label=\":6379\\n1 active, 1 opened, 0 closed\\n"
				    "5 retransmits\"];\n"));
	assert_non_null(strstr(dot, "[label=\":443\\n1 active, 4 opened, 3 closed\\n0B sent, "
				    "5.0TB received\"];\n"));
	free(dot);
	snapshot__free(snap);
}

static void from_a_tracker(void **state)
{
	struct tracker *t = tracker__new(NULL);
	struct topology *topo = topology__new(64);
	struct snapshot *snap;
	struct ct_event e;
	char *dot, *svg;

	(void)state;
	e = test_event_addr(CT_EV_LISTEN, 9, 300, "nginx", "::1", 80, "::", 0);
	tracker_apply(t, &e);
	e = test_event_addr(CT_EV_ACCEPT, 1, 300, "nginx", "::1", 80, "::1", 51000);
	tracker_apply(t, &e);
	e = test_event_addr(CT_EV_CONNECT, 2, 400, "curl\x1b[2J\"", "::1", 51000, "::1", 80);
	tracker_apply(t, &e);
	e = test_event_addr(CT_EV_CONNECT, 3, 0, NULL, "fd00::1:2:3:4", 51000, "fd00::9", 80);
	tracker_apply(t, &e);
	assert_int_equal(topology_update(topo, t), 0);
	snap = snapshot_take(
		&(struct snapshot_input){ .tracker = t, .topology = topo, .now_ns = 100 * SEC_NS });
	dot = dot_of(snap);
	svg = render(dot);
	assert_int_equal(count(svg, "class=\"cluster\""), 1);
	assert_int_equal(count(svg, "class=\"node\""), 4);
	assert_int_equal(count(svg, "class=\"edge\""), 2);
	assert_non_null(strstr(dot, "\"pid:400:0\" [label=\"curl\\\\x1b[2J\\\"[400]\"];"));
	free(svg);
	free(dot);
	snapshot__free(snap);
	topology__free(topo);
	tracker__free(t);
}

static void write_error_is_reported(void **state)
{
	struct snapshot *snap = scene();
	FILE *full = fopen("/dev/full", "w");

	(void)state;
	assert_non_null(full);
	assert_int_equal(export_dot(full, snap), -ENOSPC);
	fclose(full);
	snapshot__free(snap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_snapshot),
		cmocka_unit_test(scene_is_golden_and_renders),
		cmocka_unit_test(names_render_as_they_are),
		cmocka_unit_test(clusters),
		cmocka_unit_test(edges_are_labelled),
		cmocka_unit_test(from_a_tracker),
		cmocka_unit_test(write_error_is_reported),
	};

	return cmocka_run_group_tests_name("export_dot", tests, NULL, NULL);
}
