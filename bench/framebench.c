// SPDX-License-Identifier: GPL-2.0-only
/*
 * framebench: the cost of one frame with many connections, in user space only (no root, no BPF):
 * folding the edges and taking the snapshot, then rendering each of the three views into a grid,
 * as the screen does every refresh; also the batch outputs of that snapshot (-b text and JSON).
 *
 * usage: framebench [-c CONNECTIONS] [-p PROCESSES] [-f FRAMES] [-r ROWS] [-C COLS] [-X] [-q]
 *
 * The world, built through tracker_apply() as the kernel's records would build it: PROCESSES
 * (default 1,000) processes, a tenth of them servers in containers (each listening on a port of
 * its own) and the rest clients; CONNECTIONS (default 50,000) tracked connections: four fifths are
 * the two ends of local connections from a client to a server (joined into edges), one fifth go
 * from clients to 500 addresses elsewhere. Every process has its details (command line, user,
 * container) as if read from /proc. Each frame, 1 % of the local connections close and as many new
 * ones open (so every frame also shows closed rows), and every socket's byte counts move.
 *
 * Per frame, timed with CLOCK_MONOTONIC, FRAMES (default 15) frames for each view after one
 * warm-up frame:
 *   ingest    applying the frame's records and byte counts (the tracker's input, not a frame cost)
 *   snapshot  topology_update() + snapshot_take() (into the previous one's memory), split into
 *             fold (topology_update()) and take (the rest)
 *   render    view_show() into a ROWS x COLS grid (default 50 x 200): view_sync() and
 *             view_render() with the rows listed and sorted once, as conntop's redraw does
 *   end       tracker_end_frame()
 *   frame     snapshot + render + end: what the screen pays per refresh
 *   text/json export_text()/export_json() of the whole snapshot to /dev/null (batch mode, -o);
 *             -X leaves them out (0), for profiling the frame alone
 * With -q, each frame is a batch frame instead, as the benchmark's headless runs make them
 * (conntop -b --format json --port 1): no view; "render" times the frame's filtered JSON on
 * /dev/null (the counters, no row), and there are no text and json lines' worth.
 * Prints a line per view and measure: "VIEW MEASURE median MS min MS max MS" (milliseconds),
 * after a line "world conns N nodes N edges N procs N" read from the last snapshot; then a line
 * "memory base_kb N rss_kb N peak_kb N": VmRSS before the world was built and after the last
 * frame, and VmHWM (run at two sizes, the difference over the difference in connections is what
 * a tracked connection costs).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "export.h"
#include "keys.h"
#include "snapshot.h"
#include "topology.h"
#include "tracker.h"
#include "view.h"

#define SEC_NS	    1000000000ull
#define NETNS_HOST  4026531840u
#define FIRST_PID   1000
#define REMOTES	    500
#define MAX_FRAMES  1000
#define FIRST_CPORT 10000 /* local clients' ports: FIRST_CPORT + pair number (mod 50000) */

enum measure {
	M_INGEST,
	M_SNAPSHOT,
	M_RENDER,
	M_END,
	M_FRAME,
	M_TEXT,
	M_JSON,
	M_FOLD,
	M_TAKE,
	M_COUNT
};

static const char *const measure_names[M_COUNT] = { "ingest", "snapshot", "render", "end", "frame",
						    "text",   "json",	  "fold",   "take" };

struct bench {
	struct tracker *tracker;
	struct topology *topo;
	struct snapshot *snap;
	struct grid *grid;
	struct view_state view;
	FILE *devnull;
	int procs, servers;
	uint64_t now_ns;
	uint64_t next_cookie;
	uint64_t first_pair, next_pair; /* the local connections open: [first_pair, next_pair) */
	uint64_t remote_cookie0;
	int remotes;
	uint64_t tick; /* byte counts grow with it */
	bool exports; /* time the batch outputs too (not with -X) */
	bool quiet; /* -q: headless batch frames filtered to a port nothing uses */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SEC_NS + (uint64_t)ts.tv_nsec;
}

static struct ct_event record(struct bench *b, enum ct_event_type type, uint64_t cookie,
			      uint32_t pid, const char *comm)
{
	struct ct_event e;

	memset(&e, 0, sizeof(e));
	e.type = type;
	e.cookie = cookie;
	e.ts_ns = b->now_ns;
	e.pid = pid;
	e.tid = pid;
	e.proc_start_ns = 1000ull * PROC_TICK_NS * pid;
	e.netns = NETNS_HOST;
	e.family = AF_INET;
	e.state = type == CT_EV_CLOSE ? 4 /* FIN_WAIT1 */ : 1 /* ESTABLISHED */;
	snprintf(e.comm, sizeof(e.comm), "%s", comm);
	return e;
}

static void set_v4(uint8_t addr[16], const char *text)
{
	memset(addr, 0, 16);
	inet_pton(AF_INET, text, addr);
}

static uint32_t server_pid(uint64_t pair, int servers)
{
	return FIRST_PID + (uint32_t)(pair % (uint64_t)servers);
}

static uint32_t client_pid(uint64_t n, const struct bench *b)
{
	return FIRST_PID + (uint32_t)b->servers + (uint32_t)(n % (uint64_t)(b->procs - b->servers));
}

/* Pair p's two sockets have cookies 2p+1 (client) and 2p+2 (server). */
static void open_pair(struct bench *b, uint64_t p)
{
	uint16_t sport = (uint16_t)(8000 + p % (uint64_t)b->servers);
	uint16_t cport = (uint16_t)(FIRST_CPORT + p % 50000);
	struct ct_event c = record(b, CT_EV_CONNECT, 2 * p + 1, client_pid(p, b), "client");
	struct ct_event s = record(b, CT_EV_ACCEPT, 2 * p + 2, server_pid(p, b->servers), "server");

	set_v4(c.laddr, "127.0.0.1");
	set_v4(c.raddr, "127.0.0.1");
	c.lport = cport;
	c.rport = sport;
	set_v4(s.laddr, "127.0.0.1");
	set_v4(s.raddr, "127.0.0.1");
	s.lport = sport;
	s.rport = cport;
	tracker_apply(b->tracker, &c);
	tracker_apply(b->tracker, &s);
}

static void close_pair(struct bench *b, uint64_t p)
{
	struct ct_event c = record(b, CT_EV_CLOSE, 2 * p + 1, 0, "");
	struct ct_event s = record(b, CT_EV_CLOSE, 2 * p + 2, 0, "");

	c.flags = s.flags = CT_F_NO_TASK;
	tracker_apply(b->tracker, &c);
	tracker_apply(b->tracker, &s);
}

static void give_details(struct proc *proc, void *ctx)
{
	struct bench *b = ctx;

	if (proc->detail)
		return;
	proc->detail = calloc(1, sizeof(*proc->detail));
	if (!proc->detail)
		return;
	memcpy(proc->detail->comm, proc->comm, sizeof(proc->comm));
	proc->detail->ppid = 1;
	snprintf(proc->detail->user, sizeof(proc->detail->user), "www-data");
	snprintf(proc->detail->cmdline, sizeof(proc->detail->cmdline),
		 "/usr/bin/%s --config /etc/%s/%u.conf --workers 4", proc->comm, proc->comm,
		 proc->key.pid);
	if (proc->key.pid >= FIRST_PID + (uint32_t)b->servers)
		return;
	proc->detail->container.runtime = CT_RUNTIME_DOCKER;
	snprintf(proc->detail->container.id, sizeof(proc->detail->container.id), "%064u",
		 proc->key.pid);
	snprintf(proc->detail->container_name.name, sizeof(proc->detail->container_name.name),
		 "web-%u", proc->key.pid);
}

static void set_traffic(struct bench *b, uint64_t cookie)
{
	struct ct_traffic t = { .bytes_sent = 1000 * b->tick + cookie % 977,
				.bytes_received = 20000 * b->tick + cookie % 8191 };

	tracker_set_traffic(b->tracker, cookie, &t, false);
}

static void build(struct bench *b, int conns)
{
	int pairs = conns * 2 / 5;

	b->remotes = conns - 2 * pairs;
	b->now_ns = 10 * SEC_NS;
	for (int i = 0; i < b->servers; i++) {
		struct ct_event l = record(b, CT_EV_LISTEN, 1ull << 40 | (uint64_t)i,
					   FIRST_PID + (uint32_t)i, "server");

		set_v4(l.laddr, "0.0.0.0");
		l.lport = (uint16_t)(8000 + i);
		l.state = 10; /* LISTEN */
		tracker_apply(b->tracker, &l);
	}
	for (int p = 0; p < pairs; p++)
		open_pair(b, (uint64_t)p);
	b->first_pair = 0;
	b->next_pair = (uint64_t)pairs;
	b->remote_cookie0 = 1ull << 41;
	for (int i = 0; i < b->remotes; i++) {
		struct ct_event e = record(b, CT_EV_CONNECT, b->remote_cookie0 + (uint64_t)i,
					   client_pid((uint64_t)i * 7, b), "client");
		char raddr[32];

		snprintf(raddr, sizeof(raddr), "10.1.%d.%d", i % REMOTES / 250,
			 i % REMOTES % 250 + 1);
		set_v4(e.laddr, "10.0.0.4");
		set_v4(e.raddr, raddr);
		e.lport = (uint16_t)(30000 + i % 30000);
		e.rport = 443;
		tracker_apply(b->tracker, &e);
	}
	tracker_for_each_proc(b->tracker, give_details, b);
}

/* The frame's input: 1 % of the local connections replaced, every socket's bytes moved. */
static void ingest(struct bench *b)
{
	uint64_t churn = (b->next_pair - b->first_pair) / 100;

	b->now_ns += SEC_NS;
	b->tick++;
	for (uint64_t i = 0; i < churn; i++)
		close_pair(b, b->first_pair++);
	for (uint64_t i = 0; i < churn; i++)
		open_pair(b, b->next_pair++);
	tracker_for_each_proc(b->tracker, give_details, b);
	for (uint64_t p = b->first_pair; p < b->next_pair; p++) {
		set_traffic(b, 2 * p + 1);
		set_traffic(b, 2 * p + 2);
	}
	for (int i = 0; i < b->remotes; i++)
		set_traffic(b, b->remote_cookie0 + (uint64_t)i);
}

static int frame(struct bench *b, uint64_t t[M_COUNT])
{
	struct snapshot *prev = b->snap;
	uint64_t t0 = mono_ns(), t1, t1b, t2, t3, t4, t5;

	ingest(b);
	t1 = mono_ns();
	if (topology_update(b->topo, b->tracker))
		return -ENOMEM;
	t1b = mono_ns();
	b->snap = snapshot_take(&(struct snapshot_input){
		.tracker = b->tracker,
		.topology = b->topo,
		.prev = prev,
		.reuse = prev, /* as conntop's frames do, unless paused */
		.host = "benchhost",
		.kernel = "6.1.0-bench",
		.source_name = "eBPF, ring buffer",
		.source_kind = "ebpf",
		.now_ns = b->now_ns,
		.wall = { .tv_sec = 1700000000 + (time_t)(b->now_ns / SEC_NS) },
	});
	if (!b->snap)
		return -ENOMEM;
	t2 = mono_ns();
	if (b->quiet) { /* what conntop -b --port 1 prints each frame */
		struct snapshot *out = snapshot_filtered(b->snap, &b->view.filter);

		if (!out || export_json(b->devnull, out) || fflush(b->devnull))
			return -EIO;
		snapshot__free(out);
	} else {
		view_show(&b->view, b->snap, b->grid); /* what conntop's redraw does */
	}
	t3 = mono_ns();
	tracker_end_frame(b->tracker);
	t4 = mono_ns();
	if (b->exports && (export_text(b->devnull, b->snap) || fflush(b->devnull)))
		return -EIO;
	t5 = mono_ns();
	if (b->exports && (export_json(b->devnull, b->snap) || fflush(b->devnull)))
		return -EIO;
	t[M_INGEST] = t1 - t0;
	t[M_SNAPSHOT] = t2 - t1;
	t[M_FOLD] = t1b - t1;
	t[M_TAKE] = t2 - t1b;
	t[M_RENDER] = t3 - t2;
	t[M_END] = t4 - t3;
	t[M_FRAME] = t4 - t1;
	t[M_TEXT] = t5 - t4;
	t[M_JSON] = mono_ns() - t5;
	return 0;
}

/* A field of /proc/self/status in kB ("VmRSS:"), or 0. */
static long status_kb(const char *field)
{
	char line[256];
	long kb = 0;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, field, strlen(field)))
			kb = strtol(line + strlen(field), NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr, "usage: framebench [-c CONNECTIONS] [-p PROCESSES] [-f FRAMES] [-r ROWS] "
			"[-C COLS] [-X] [-q]\n");
	exit(2);
}

static long number(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	static const char *const views[] = { "nodes", "connections", "topology" };
	static uint64_t t[3][M_COUNT][MAX_FRAMES];
	struct bench b = { 0 };
	int conns = 50000, frames = 15, rows = 50, cols = 200, opt;
	long rss_base;

	b.procs = 1000;
	b.exports = true;
	while ((opt = getopt(argc, argv, "c:p:f:r:C:Xq")) != -1) {
		switch (opt) {
		case 'c':
			conns = (int)number(optarg, 10, 1000000);
			break;
		case 'p':
			b.procs = (int)number(optarg, 10, 100000);
			break;
		case 'f':
			frames = (int)number(optarg, 1, MAX_FRAMES);
			break;
		case 'r':
			rows = (int)number(optarg, 10, 1000);
			break;
		case 'C':
			cols = (int)number(optarg, 40, 1000);
			break;
		case 'X':
			b.exports = false;
			break;
		case 'q':
			b.quiet = true;
			b.exports = false;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	b.servers = b.procs / 10;
	b.tracker = tracker__new(NULL);
	b.topo = topology__new(1 << 20);
	b.grid = grid__new(rows, cols);
	b.devnull = fopen("/dev/null", "w");
	if (!b.tracker || !b.topo || !b.grid || !b.devnull) {
		fprintf(stderr, "framebench: out of memory\n");
		return 1;
	}
	view_init(&b.view, NULL, 1.0);
	if (b.quiet)
		b.view.filter.port = 1;
	rss_base = status_kb("VmRSS:");
	build(&b, conns);
	if (frame(&b, (uint64_t[M_COUNT]){ 0 }))
		goto fail;

	for (int v = 0; v < 3; v++) {
		uint64_t warm[M_COUNT];

		view_apply(&b.view, '1' + v, b.snap, rows);
		if (frame(&b, warm))
			goto fail;
		for (int f = 0; f < frames; f++) {
			uint64_t one[M_COUNT];

			if (frame(&b, one))
				goto fail;
			for (int m = 0; m < M_COUNT; m++)
				t[v][m][f] = one[m];
		}
	}
	printf("world conns %zu nodes %zu edges %zu procs %llu frames %d grid %dx%d\n",
	       b.snap->nconns, b.snap->nnodes, b.snap->nedges,
	       (unsigned long long)tracker_stats(b.tracker)->processes, frames, rows, cols);
	for (int v = 0; v < 3; v++)
		for (int m = 0; m < M_COUNT; m++) {
			qsort(t[v][m], (size_t)frames, sizeof(uint64_t), cmp_u64);
			printf("%s %s median %.2f min %.2f max %.2f\n", views[v], measure_names[m],
			       (double)t[v][m][frames / 2] / 1e6, (double)t[v][m][0] / 1e6,
			       (double)t[v][m][frames - 1] / 1e6);
		}
	/* What the world costs: the tracker, the edges, one snapshot and the view, as in conntop. */
	printf("memory base_kb %ld rss_kb %ld peak_kb %ld\n", rss_base, status_kb("VmRSS:"),
	       status_kb("VmHWM:"));
	snapshot__free(b.snap);
	grid__free(b.grid);
	topology__free(b.topo);
	tracker__free(b.tracker);
	fclose(b.devnull);
	return 0;
fail:
	fprintf(stderr, "framebench: a frame failed (out of memory or a write error)\n");
	return 1;
}
