// SPDX-License-Identifier: GPL-2.0-only
/*
 * The view as a pure function: snapshots built in code, keys applied to its state, grids of
 * several sizes read back as text and roles.
 */
#include "test_util.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "keys.h"
#include "snapshot.h"
#include "topology.h"
#include "tracker.h"
#include "view.h"

#define NOW_NS	 (10 * SEC_NS)
#define WEB_PID	 300 /* pids from 300 on are in container web-<pid> */
#define NS_HOST	 4026531840u
#define NS_OTHER 4026532999u

struct fixture {
	struct tracker *tracker;
	struct topology *topo;
	struct snapshot *snap;
	struct grid *grid;
	struct view_state view;
	uint64_t now_ns; /* of the next frame */
};

static struct fixture *fixture_new(int rows, int cols)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->tracker = tracker__new(NULL);
	f->topo = topology__new(1024);
	f->grid = grid__new(rows, cols);
	view_init(&f->view, NULL, 2.0);
	f->now_ns = NOW_NS;
	return f;
}

static void fixture_free(struct fixture *f)
{
	snapshot__free(f->snap);
	grid__free(f->grid);
	topology__free(f->topo);
	tracker__free(f->tracker);
	free(f);
}

static void add(struct fixture *f, struct ct_event e)
{
	tracker_apply(f->tracker, &e);
}

/* A connection's end: CT_EV_CONNECT for a client, CT_EV_ACCEPT for a server. */
static void sock(struct fixture *f, enum ct_event_type type, __u64 cookie, __u32 pid,
		 const char *comm, const char *laddr, __u16 lport, const char *raddr, __u16 rport)
{
	add(f, test_event_addr(type, cookie, pid, comm, laddr, lport, raddr, rport));
}

static void give_details(struct proc *proc, void *ctx)
{
	(void)ctx;
	if (proc->detail)
		return;
	proc->detail = calloc(1, sizeof(*proc->detail));
	memcpy(proc->detail->comm, proc->comm, sizeof(proc->comm));
	snprintf(proc->detail->cmdline, sizeof(proc->detail->cmdline), "/usr/bin/%s --serve",
		 proc->comm);
	if (proc->key.pid < WEB_PID)
		return;
	proc->detail->container.runtime = CT_RUNTIME_DOCKER;
	snprintf(proc->detail->container.id, sizeof(proc->detail->container.id), "%064u",
		 proc->key.pid);
	snprintf(proc->detail->container_name.name, sizeof(proc->detail->container_name.name),
		 "web-%u", proc->key.pid);
}

static void dump(struct fixture *f)
{
	char buf[1024];
	int r;

	if (!getenv("VIEW_DUMP"))
		return;
	for (r = 0; r < f->grid->rows; r++) {
		grid_row_text(f->grid, r, buf, sizeof(buf));
		fprintf(stderr, "%2d|%s|\n", r, buf);
	}
}

/*
 * What conntop's redraw does, view_show(), which sorts the rows once for both: the same cursor and
 * the same cells as view_sync() then view_render() give.
 */
static void same_as_sync_and_render(struct fixture *f)
{
	struct view_state apart = f->view;
	struct grid *grid = grid__new(f->grid->rows, f->grid->cols);
	int i;

	assert_non_null(grid);
	view_sync(&apart, f->snap, grid->rows);
	view_render(f->snap, &apart, grid);
	view_show(&f->view, f->snap, f->grid);
	assert_memory_equal(&apart, &f->view, sizeof(apart));
	for (i = 0; i < grid->rows * grid->cols; i++) {
		assert_int_equal(grid->cells[i].ch, f->grid->cells[i].ch);
		assert_int_equal(grid->cells[i].role, f->grid->cells[i].role);
	}
	grid__free(grid);
}

/* A new frame: edges folded, a snapshot taken, the selection synced, the grid drawn. */
static void frame(struct fixture *f)
{
	struct snapshot *prev = f->snap;

	tracker_for_each_proc(f->tracker, give_details, NULL);
	assert_int_equal(topology_update(f->topo, f->tracker), 0);
	f->snap = snapshot_take(&(struct snapshot_input){
		.tracker = f->tracker,
		.topology = f->topo,
		.prev = prev,
		.host = "testhost",
		.kernel = "6.1.0-test",
		.source_name = "eBPF, ring buffer",
		.now_ns = f->now_ns,
		.wall = { .tv_sec = 1700000000 },
	});
	assert_non_null(f->snap);
	snapshot__free(prev);
	tracker_end_frame(f->tracker);
	same_as_sync_and_render(f);
	dump(f);
}

static enum view_reaction key(struct fixture *f, int k)
{
	enum view_reaction r = view_apply(&f->view, k, f->snap, f->grid->rows);

	view_render(f->snap, &f->view, f->grid);
	dump(f);
	return r;
}

static void type(struct fixture *f, const char *text)
{
	for (; *text; text++)
		key(f, (unsigned char)*text);
}

static const char *row(struct fixture *f, int r)
{
	static char buf[4][1024];
	static int next;
	char *out = buf[next++ % 4];

	grid_row_text(f->grid, r, out, sizeof(buf[0]));
	return out;
}

/* The screen row whose text contains @text, or -1. */
static int find_row(struct fixture *f, const char *text)
{
	int r;

	for (r = 0; r < f->grid->rows; r++)
		if (strstr(row(f, r), text))
			return r;
	return -1;
}

static enum role role_at(struct fixture *f, int r, int c)
{
	return f->grid->cells[r * f->grid->cols + c].role;
}

/* Two clients of one nginx in a container, one redis client on the host. */
static void small_world(struct fixture *f)
{
	sock(f, CT_EV_CONNECT, 1, 100, "curl", "10.0.0.4", 40000, "10.0.0.2", 80);
	sock(f, CT_EV_ACCEPT, 2, WEB_PID, "nginx", "10.0.0.2", 80, "10.0.0.4", 40000);
	sock(f, CT_EV_CONNECT, 3, 101, "wget", "10.0.0.4", 40001, "10.0.0.2", 80);
	sock(f, CT_EV_ACCEPT, 4, WEB_PID, "nginx", "10.0.0.2", 80, "10.0.0.4", 40001);
	sock(f, CT_EV_CONNECT, 5, 102, "app", "10.0.0.4", 40002, "10.0.0.9", 6379);
}

/* What socket @cookie has moved so far (a sock_diag pass's totals). */
static void traffic(struct fixture *f, __u64 cookie, __u64 sent, __u64 received, __u32 retransmits)
{
	struct ct_traffic t = { sent, received, retransmits, 0 };

	tracker_set_traffic(f->tracker, cookie, &t, true);
}

/*
 * The small world's bytes over two frames 2 s apart: wget's connection to nginx is the heaviest
 * (101K/s), app's to the address next (4.0K/s), curl's is idle. Each local socket's count is
 * mirrored by its peer's.
 */
static void small_world_traffic(struct fixture *f)
{
	traffic(f, 1, 100, 1000, 0);
	traffic(f, 2, 1000, 100, 0);
	traffic(f, 3, 1000, 10000, 0);
	traffic(f, 4, 10000, 1000, 0);
	traffic(f, 5, 500, 500, 0);
	frame(f);
	f->now_ns += 2 * SEC_NS;
	traffic(f, 3, 1000 + 2048, 10000 + 204800, 0);
	traffic(f, 4, 10000 + 204800, 1000 + 2048, 1);
	traffic(f, 5, 500 + 4096, 500 + 4096, 3);
	frame(f);
}

static void empty_state_says_so(void **state)
{
	struct fixture *f = fixture_new(24, 80);

	(void)state;
	frame(f);
	assert_non_null(strstr(row(f, 0), "conntop on testhost  Linux 6.1.0-test  eBPF"));
	assert_non_null(strstr(row(f, 1), "Lost 0  Active 0  Nodes 0  Edges 0"));
	assert_non_null(strstr(row(f, 2), " 1 Nodes   2 Connections   3 Topology"));
	assert_non_null(strstr(row(f, 3), "PID"));
	assert_non_null(strstr(row(f, 3), "NAME"));
	assert_non_null(strstr(row(f, 4), "No process has a TCP connection"));
	assert_non_null(strstr(row(f, 23), "F1Help"));
	assert_non_null(strstr(row(f, 23), "qQuit"));
	assert_int_equal(role_at(f, 23, 79), ROLE_FOOTER);
	key(f, '2');
	assert_non_null(strstr(row(f, 4), "No TCP connections yet"));
	key(f, '3');
	assert_non_null(strstr(row(f, 4), "No edges yet"));
	fixture_free(f);
}

static void nodes_show_counts_containers_and_listening_ports(void **state)
{
	struct fixture *f = fixture_new(24, 120);
	struct ct_event listen =
		test_event_addr(CT_EV_LISTEN, 9, WEB_PID, "nginx", "0.0.0.0", 80, "0.0.0.0", 0);

	(void)state;
	add(f, listen);
	small_world(f);
	frame(f);
	assert_int_equal(find_row(f, "   PID▲ NAME"), 3);
	assert_non_null(strstr(row(f, 4), "    100 curl            -                  0     1"));
	assert_non_null(strstr(row(f, 7), "    300 nginx           web-300            2     0"));
	assert_non_null(strstr(row(f, 7), " 80 "));
	assert_non_null(strstr(row(f, 7), "/usr/bin/nginx --serve"));
	assert_non_null(strstr(row(f, 1), "Nodes 5"));
	fixture_free(f);
}

static void connections_show_pid_direction_addresses_and_age(void **state)
{
	struct fixture *f = fixture_new(24, 80);

	(void)state;
	sock(f, CT_EV_ACCEPT, 1, 300, "nginx", "10.0.0.1", 80, "10.0.0.2", 51000);
	sock(f, CT_EV_CONNECT, 2, 100, "curl", "10.0.0.2", 51000, "10.0.0.1", 80);
	frame(f);
	key(f, '2');
	/*
	 * At 80 columns the name gives way to the rate (none yet in the first frame); the bytes
	 * and the container are past the edge (the container is in the Nodes view).
	 */
	assert_string_equal(row(f, 3), "   PID▲ COMM       DIR LOCAL           REMOTE          "
				       "STATE           AGE  RATE");
	assert_string_equal(row(f, 4), "    100 curl       out 10.0.0.2:51000  "
				       "10.0.0.1:80     ESTABLISHED    9.0s     -");
	assert_string_equal(row(f, 5), "    300 nginx      in  10.0.0.1:80     "
				       "10.0.0.2:51000  ESTABLISHED    9.0s     -");
	fixture_free(f);
}

static void closed_connections_fade(void **state)
{
	struct fixture *f = fixture_new(24, 80);
	struct ct_event close = test_event(CT_EV_CLOSE, 1, 3 * SEC_NS, 0, NULL);

	(void)state;
	sock(f, CT_EV_CONNECT, 1, 100, "a", "10.0.0.2", 1000, "10.0.0.1", 80);
	sock(f, CT_EV_CONNECT, 2, 200, "b", "10.0.0.2", 1001, "10.0.0.1", 80);
	add(f, close);
	frame(f);
	key(f, '2');
	key(f, UI_KEY_DOWN); /* the selection bar off the closed row */
	assert_int_equal(find_row(f, "100 a"), 4);
	assert_non_null(strstr(row(f, 4), "CLOSED"));
	assert_int_equal(role_at(f, 4, 10), ROLE_CLOSED);
	assert_int_equal(role_at(f, 5, 10), ROLE_SELECTED);
	frame(f); /* one refresh later it is gone */
	assert_int_equal(find_row(f, "100 a"), -1);
	fixture_free(f);
}

static void hostile_names_are_inert(void **state)
{
	struct fixture *f = fixture_new(24, 80);
	int r, c;

	(void)state;
	sock(f, CT_EV_CONNECT, 1, 100, "\x1b]0;pwn\x07", "10.0.0.2", 1, "10.0.0.1", 2);
	frame(f);
	assert_non_null(strstr(row(f, 4), "\\x1b]0;pwn\\x07"));
	key(f, '2'); /* cut to fit at 80 columns, as text */
	assert_non_null(strstr(row(f, 4), " \\x1b]0;pwn "));
	key(f, UI_KEY_ENTER); /* the detail prints the name and the command line */
	assert_non_null(strstr(row(f, 3), "\\x1b]0;pwn\\x07[100]"));
	for (r = 0; r < 24; r++)
		for (c = 0; c < 80; c++)
			assert_true(f->grid->cells[r * 80 + c].ch == 0 ||
				    f->grid->cells[r * 80 + c].ch >= 0x20);
	fixture_free(f);
}

static void ipv6_addresses_widen_their_columns(void **state)
{
	struct fixture *f = fixture_new(24, 140);
	const char *titles, *cells;

	(void)state;
	sock(f, CT_EV_CONNECT, 1, 100, "a", "fd00:1234:5678:9abc::10", 40000, "::1", 443);
	frame(f);
	key(f, '2');
	assert_non_null(strstr(row(f, 4), "[fd00:1234:5678:9abc::10]:40000 [::1]:443"));
	/* Every title moves right with them, so the columns stay aligned. */
	titles = row(f, 3);
	cells = row(f, 4);
	/* "▲" after PID takes 3 bytes and 1 column */
	assert_int_equal(strstr(titles, "STATE") - titles - 2,
			 strstr(cells, "ESTABLISHED") - cells);
	fixture_free(f);
}

static void long_names_are_cut_at_80x24_and_40x12(void **state)
{
	struct fixture *f = fixture_new(24, 80);
	struct fixture *g = fixture_new(12, 40);

	(void)state;
	sock(f, CT_EV_CONNECT, 1, 123456, "averyveryverylongname", "10.0.0.2", 1, "10.0.0.1", 2);
	frame(f);
	/* The namespace does not fit beside the rate: it goes whole, no stub of it at the edge. */
	assert_string_equal(row(f, 3), "   PID▲ NAME            CONTAINER         IN   OUT  OPEN/S "
				       " RATE LISTEN");
	assert_non_null(strstr(row(f, 4), " 123456 averyveryverylo web-123456"));
	sock(g, CT_EV_CONNECT, 1, 123456, "averyveryverylongname", "10.0.0.2", 1, "10.0.0.1", 2);
	frame(g);
	/* The name gives way first, then the columns past the edge are clipped. */
	assert_string_equal(row(g, 4), " 123456 averyver web-1234     0     1");
	key(g, '2');
	assert_string_equal(row(g, 4), " 123456 averyveryv out 10.0.0.2:1      1");
	assert_non_null(strstr(row(g, 11), "F1Help"));
	fixture_free(f);
	fixture_free(g);
}

static void scrolling_keeps_the_selection_on_screen(void **state)
{
	struct fixture *f = fixture_new(12, 80); /* 7 rows of connections */
	struct view_cursor *c = &f->view.cursor[TABLE_CONNS];
	__u64 i;

	(void)state;
	for (i = 1; i <= 20; i++)
		sock(f, CT_EV_CONNECT, i, 1000 + i, "c", "10.0.0.2", i, "10.0.0.1", 80);
	frame(f);
	key(f, '2');
	assert_int_equal(key(f, UI_KEY_END), VIEW_REDRAW);
	assert_int_equal(c->selected, 19);
	assert_int_equal(c->scroll, 13);
	key(f, UI_KEY_DOWN);
	assert_int_equal(c->selected, 19);
	key(f, UI_KEY_PGUP);
	assert_int_equal(c->selected, 12);
	assert_int_equal(c->scroll, 6);
	key(f, UI_KEY_HOME);
	key(f, UI_KEY_UP);
	assert_int_equal(c->selected, 0);
	assert_int_equal(c->scroll, 0);
	key(f, UI_KEY_PGDN);
	assert_int_equal(c->selected, 7);
	assert_int_equal(c->scroll, 7);
	assert_non_null(strstr(row(f, 4), "1008 c"));
	assert_int_equal(role_at(f, 4, 0), ROLE_SELECTED);
	fixture_free(f);
}

static void selection_stays_on_its_row_as_rows_come_and_go(void **state)
{
	struct fixture *f = fixture_new(24, 80);
	struct view_cursor *c = &f->view.cursor[TABLE_CONNS];
	struct ct_event close = test_event(CT_EV_CLOSE, 5, 3 * SEC_NS, 0, NULL);

	(void)state;
	sock(f, CT_EV_CONNECT, 5, 500, "five", "10.0.0.2", 5, "10.0.0.1", 80);
	sock(f, CT_EV_CONNECT, 6, 600, "six", "10.0.0.2", 6, "10.0.0.1", 80);
	frame(f);
	key(f, '2');
	key(f, UI_KEY_DOWN);
	assert_non_null(strstr(row(f, 4 + (int)c->selected), "600 six"));
	/* Rows sorted before it arrive: the selection follows its row down. */
	sock(f, CT_EV_CONNECT, 1, 100, "one", "10.0.0.2", 1, "10.0.0.1", 80);
	sock(f, CT_EV_CONNECT, 2, 200, "two", "10.0.0.2", 2, "10.0.0.1", 80);
	frame(f);
	assert_int_equal(c->selected, 3);
	assert_non_null(strstr(row(f, 4 + (int)c->selected), "600 six"));
	assert_int_equal(role_at(f, 4 + (int)c->selected, 0), ROLE_SELECTED);
	/* A row above it goes: it moves up with its row. */
	add(f, close);
	frame(f); /* shown closed */
	frame(f); /* gone */
	assert_int_equal(c->selected, 2);
	assert_non_null(strstr(row(f, 4 + (int)c->selected), "600 six"));
	fixture_free(f);
}

static void selected_row_that_goes_leaves_the_selection_in_place(void **state)
{
	struct fixture *f = fixture_new(24, 80);
	struct view_cursor *c = &f->view.cursor[TABLE_CONNS];
	struct ct_event close = test_event(CT_EV_CLOSE, 3, 3 * SEC_NS, 0, NULL);

	(void)state;
	sock(f, CT_EV_CONNECT, 1, 100, "a", "10.0.0.2", 1, "10.0.0.1", 80);
	sock(f, CT_EV_CONNECT, 2, 200, "b", "10.0.0.2", 2, "10.0.0.1", 80);
	sock(f, CT_EV_CONNECT, 3, 300, "c", "10.0.0.2", 3, "10.0.0.1", 80);
	frame(f);
	key(f, '2');
	key(f, UI_KEY_END);
	add(f, close);
	frame(f);
	frame(f);
	assert_int_equal(c->selected, 1); /* the last row now */
	assert_non_null(strstr(row(f, 5), "200 b"));
	fixture_free(f);
}

static void port_filter_keeps_local_or_remote_port(void **state)
{
	struct fixture *f = fixture_new(24, 100);

	(void)state;
	small_world(f);
	frame(f);
	key(f, '2');
	assert_int_equal(key(f, 'p'), VIEW_REDRAW);
	assert_non_null(strstr(row(f, 23), "Port (empty: any): "));
	type(f, "x6379"); /* letters are not taken */
	assert_non_null(strstr(row(f, 23), "Port (empty: any): 6379_"));
	key(f, UI_KEY_ENTER);
	assert_int_equal(f->view.filter.port, 6379);
	assert_non_null(strstr(row(f, 2), "Filter: port 6379"));
	assert_non_null(strstr(row(f, 4), "102 app"));
	assert_string_equal(row(f, 5), "");
	key(f, '1'); /* the Nodes view keeps the process that talks on it */
	assert_non_null(strstr(row(f, 4), "102 app"));
	assert_string_equal(row(f, 5), "");
	key(f, 'p');
	key(f, UI_KEY_CTRL_U);
	type(f, "99999");
	key(f, UI_KEY_ENTER);
	assert_int_equal(f->view.filter.port, 6379);
	assert_non_null(strstr(row(f, 23), "not a port: 99999"));
	key(f, 'p');
	key(f, UI_KEY_CTRL_U);
	key(f, UI_KEY_ENTER); /* empty: any port */
	assert_int_equal(f->view.filter.port, -1);
	fixture_free(f);
}

static void pid_filter_and_cancel(void **state)
{
	struct fixture *f = fixture_new(24, 100);

	(void)state;
	small_world(f);
	frame(f);
	key(f, 'P');
	type(f, "101");
	key(f, UI_KEY_ESC); /* cancelled: nothing changes */
	assert_int_equal(f->view.filter.pid, 0);
	key(f, 'P');
	type(f, "101");
	key(f, UI_KEY_ENTER);
	assert_non_null(strstr(row(f, 2), "Filter: pid 101"));
	assert_non_null(strstr(row(f, 4), "101 wget"));
	assert_string_equal(row(f, 5), "");
	key(f, '3'); /* the tree keeps its edge, with the server it talks to */
	assert_non_null(strstr(row(f, 4), "nginx[300]"));
	assert_non_null(strstr(row(f, 5), "└─ wget[101]"));
	assert_string_equal(row(f, 6), "");
	key(f, 'F');
	assert_false(filter_active(&f->view.filter));
	fixture_free(f);
}

static void container_pick_list_narrows_as_typed(void **state)
{
	struct fixture *f = fixture_new(24, 100);

	(void)state;
	small_world(f);
	sock(f, CT_EV_ACCEPT, 7, 400, "redis", "10.0.0.9", 6379, "10.0.0.4", 40002);
	frame(f);
	key(f, 'c');
	assert_int_equal(f->view.overlay, OVERLAY_PICK);
	assert_non_null(strstr(row(f, 3), "Container: "));
	assert_non_null(strstr(row(f, 4), "(any container)"));
	assert_non_null(strstr(row(f, 5), "web-300"));
	assert_non_null(strstr(row(f, 6), "web-400"));
	type(f, "400");
	assert_non_null(strstr(row(f, 3), "Container: 400"));
	assert_non_null(strstr(row(f, 4), "web-400"));
	assert_null(strstr(row(f, 5), "web-300"));
	key(f, UI_KEY_ENTER);
	assert_string_equal(f->view.filter.container, "web-400");
	/* Only that container's nodes are listed. */
	assert_non_null(strstr(row(f, 4), "400 redis"));
	assert_string_equal(row(f, 5), "");
	/* A name not seen yet filters by what was typed. */
	key(f, 'c');
	type(f, "db-1");
	key(f, UI_KEY_ENTER);
	assert_string_equal(f->view.filter.container, "db-1");
	assert_non_null(strstr(row(f, 4), "Nothing matches the filter"));
	key(f, UI_KEY_ESC); /* clears every filter */
	assert_false(filter_active(&f->view.filter));
	fixture_free(f);
}

static void search_applies_as_typed_and_esc_restores(void **state)
{
	struct fixture *f = fixture_new(24, 100);

	(void)state;
	small_world(f);
	frame(f);
	key(f, '2');
	key(f, '/');
	type(f, "10.0.0.9");
	/* Applied while typing, before Enter. */
	assert_non_null(strstr(row(f, 4), "102 app"));
	assert_string_equal(row(f, 5), "");
	key(f, UI_KEY_ESC);
	assert_string_equal(f->view.filter.text, "");
	key(f, '/');
	type(f, "NGINX"); /* any case */
	key(f, UI_KEY_ENTER);
	assert_non_null(strstr(row(f, 4), "300 nginx"));
	assert_non_null(strstr(row(f, 5), "300 nginx"));
	assert_string_equal(row(f, 6), "");
	key(f, UI_KEY_BACKSPACE); /* outside the prompt: nothing */
	assert_string_equal(f->view.filter.text, "NGINX");
	fixture_free(f);
}

static void topology_is_a_tree_of_servers_and_clients(void **state)
{
	struct fixture *f = fixture_new(24, 100);

	(void)state;
	small_world(f);
	frame(f);
	key(f, '3');
	assert_non_null(strstr(row(f, 3), "SERVER / CLIENT▲"));
	assert_non_null(strstr(row(f, 4), "10.0.0.9"));
	assert_non_null(strstr(row(f, 4), "6379"));
	assert_non_null(strstr(row(f, 5), "└─ app[102]"));
	assert_non_null(strstr(row(f, 6), "nginx[300]"));
	assert_non_null(strstr(row(f, 6), "web-300"));
	assert_non_null(strstr(row(f, 7), "├─ curl[100]"));
	assert_non_null(strstr(row(f, 8), "└─ wget[101]"));
	assert_int_equal(role_at(f, 7, 0), ROLE_TREE);
	/* Sorted by ACTIVE, most first: nginx (2) comes before the address (1). */
	key(f, '>');
	key(f, '>');
	key(f, '>');
	key(f, 'I');
	assert_non_null(strstr(row(f, 3), "ACTIVE▼"));
	assert_non_null(strstr(row(f, 4), "nginx[300]"));
	fixture_free(f);
}

static void sort_ties_keep_the_snapshot_order(void **state)
{
	struct fixture *f = fixture_new(24, 100);

	(void)state;
	sock(f, CT_EV_CONNECT, 1, 103, "d", "10.0.0.2", 1, "10.0.0.1", 80);
	sock(f, CT_EV_CONNECT, 2, 101, "b", "10.0.0.2", 2, "10.0.0.1", 80);
	sock(f, CT_EV_CONNECT, 3, 102, "c", "10.0.0.2", 3, "10.0.0.1", 80);
	frame(f);
	key(f, '2');
	key(f, 's');
	assert_non_null(strstr(row(f, 3), "Sort by: "));
	type(f, "DIR");
	key(f, UI_KEY_ENTER); /* every row is "out": all tie */
	assert_non_null(strstr(row(f, 3), "DIR▲"));
	assert_non_null(strstr(row(f, 4), "101 b"));
	assert_non_null(strstr(row(f, 5), "102 c"));
	assert_non_null(strstr(row(f, 6), "103 d"));
	key(f, 'I'); /* inverted, ties still in the same order */
	assert_non_null(strstr(row(f, 3), "DIR▼"));
	assert_non_null(strstr(row(f, 4), "101 b"));
	assert_non_null(strstr(row(f, 6), "103 d"));
	key(f, '<'); /* COMM, descending */
	assert_non_null(strstr(row(f, 4), "103 d"));
	assert_non_null(strstr(row(f, 6), "101 b"));
	fixture_free(f);
}

static void grouping_sums_and_enter_drills_down(void **state)
{
	struct fixture *f = fixture_new(24, 100);

	(void)state;
	small_world(f);
	frame(f);
	key(f, 'g');
	assert_non_null(strstr(row(f, 2), "1 Nodes by container"));
	assert_non_null(strstr(row(f, 3), "CONTAINER▲"));
	assert_non_null(strstr(row(f, 4), "host                                3      0      3"));
	assert_non_null(strstr(row(f, 5), "web-300                             1      2      0"));
	key(f, UI_KEY_DOWN);
	key(f, UI_KEY_ENTER);
	assert_string_equal(f->view.filter.container, "web-300");
	assert_int_equal(f->view.group, GROUP_NONE);
	assert_non_null(strstr(row(f, 4), "300 nginx"));
	assert_string_equal(row(f, 5), "");
	key(f, 'F');
	key(f, 'g');
	key(f, 'g');
	assert_non_null(strstr(row(f, 4), "netns:4026531840"));
	key(f, UI_KEY_ENTER);
	assert_int_equal(f->view.filter.netns, NS_HOST);
	assert_non_null(strstr(row(f, 2), "netns 4026531840"));
	fixture_free(f);
}

static void detail_lists_a_nodes_connections(void **state)
{
	struct fixture *f = fixture_new(24, 100);

	(void)state;
	small_world(f);
	frame(f);
	key(f, UI_KEY_END); /* nginx, the last process */
	key(f, UI_KEY_ENTER);
	assert_int_equal(f->view.overlay, OVERLAY_DETAIL);
	assert_non_null(strstr(row(f, 3), "nginx[300]"));
	assert_true(find_row(f, "/usr/bin/nginx --serve") > 3);
	assert_true(find_row(f, "web-300  (docker 0000") > 3);
	assert_true(find_row(f, "2 in, 0 out") > 3);
	assert_true(find_row(f, "10.0.0.2:80     10.0.0.4:40000") > 3);
	assert_true(find_row(f, "10.0.0.2:80     10.0.0.4:40001") > 3);
	assert_int_equal(find_row(f, "curl"), -1);
	assert_int_equal(key(f, UI_KEY_ESC), VIEW_REDRAW);
	assert_int_equal(f->view.overlay, OVERLAY_NONE);
	/* A node that goes while its detail is open says so. */
	key(f, UI_KEY_ENTER);
	snprintf(f->view.detail.name, sizeof(f->view.detail.name), "gone[1]");
	view_render(f->snap, &f->view, f->grid);
	assert_non_null(strstr(row(f, 3), "gone[1]: gone"));
	fixture_free(f);
}

static void help_lists_keys_and_every_counter(void **state)
{
	struct fixture *f = fixture_new(24, 80);

	(void)state;
	frame(f);
	assert_int_equal(key(f, 'h'), VIEW_REDRAW);
	assert_non_null(strstr(row(f, 3), "conntop keys"));
	assert_true(find_row(f, "filter by container") > 3);
	key(f, UI_KEY_END); /* the counters are below: scrolled into view */
	assert_true(find_row(f, "cgroup mismatch") > 3);
	assert_non_null(strstr(row(f, 22), "cgroup mismatch"));
	key(f, 'x'); /* any other key goes back */
	assert_int_equal(f->view.overlay, OVERLAY_NONE);
	key(f, '?');
	assert_int_equal(f->view.overlay, OVERLAY_HELP);
	key(f, UI_KEY_F1);
	key(f, UI_KEY_F1);
	assert_int_equal(f->view.overlay, OVERLAY_HELP);
	fixture_free(f);
}

static void application_keys_come_back_as_reactions(void **state)
{
	struct fixture *f = fixture_new(24, 80);

	(void)state;
	frame(f);
	assert_int_equal(key(f, ' '), VIEW_PAUSE | VIEW_REDRAW);
	assert_true(f->view.paused);
	assert_non_null(strstr(row(f, 0), "PAUSED"));
	key(f, 'd');
	assert_non_null(strstr(row(f, 23), "Refresh every (s): 2_"));
	key(f, UI_KEY_BACKSPACE);
	type(f, "0.5");
	assert_int_equal(key(f, UI_KEY_ENTER), VIEW_INTERVAL | VIEW_REDRAW);
	assert_true(f->view.interval_s == 0.5);
	key(f, 'd');
	key(f, UI_KEY_CTRL_U);
	type(f, "0.001");
	assert_int_equal(key(f, UI_KEY_ENTER), VIEW_REDRAW);
	assert_non_null(strstr(row(f, 23), "not an interval"));
	key(f, 'e');
	assert_non_null(strstr(row(f, 23), "Export to: conntop-20231114-221320.txt_"));
	assert_int_equal(key(f, UI_KEY_ENTER), VIEW_EXPORT | VIEW_REDRAW);
	assert_string_equal(f->view.export_path, "conntop-20231114-221320.txt");
	view_message(&f->view, "Exported 0 connections");
	view_render(f->snap, &f->view, f->grid);
	assert_non_null(strstr(row(f, 23), "Exported 0 connections"));
	assert_int_equal(key(f, 'q'), VIEW_QUIT);
	assert_int_equal(key(f, UI_KEY_F10), VIEW_QUIT);
	assert_int_equal(key(f, 'x'), VIEW_NOTHING);
	fixture_free(f);
}

static void tiny_screens_do_not_crash(void **state)
{
	static const int keys[] = { 'h',	UI_KEY_END, 'x',	 UI_KEY_ENTER, UI_KEY_DOWN,
				    UI_KEY_ESC, 'c',	    UI_KEY_DOWN, UI_KEY_ESC,   '3',
				    'g',	'p',	    '1' };
	static const int sizes[][2] = { { 1, 1 }, { 2, 5 }, { 5, 20 }, { 12, 40 } };
	size_t s, k;

	(void)state;
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct fixture *f = fixture_new(sizes[s][0], sizes[s][1]);

		small_world(f);
		frame(f);
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			key(f, keys[k]);
		assert_int_equal(strncmp(row(f, 0), "conntop", sizes[s][1] < 7 ? sizes[s][1] : 7),
				 0);
		fixture_free(f);
	}
}

static void bytes_and_rates_are_shown(void **state)
{
	struct fixture *f = fixture_new(24, 120);

	(void)state;
	small_world(f);
	traffic(f, 1, 100, 1000, 0);
	frame(f);
	key(f, '2');
	/* The first frame: totals, no rate yet. */
	assert_non_null(strstr(row(f, 3), "AGE  RATE  SENT  RECV  RETR CONTAINER"));
	assert_non_null(strstr(row(f, find_row(f, "100 curl")),
			       "ESTABLISHED    9.0s     -   100  1000     0"));
	fixture_free(f);

	f = fixture_new(24, 120);
	small_world(f);
	small_world_traffic(f);
	key(f, '2');
	/* Each socket its own view: wget sent 3.0K and received 210K; nginx's side the reverse. */
	assert_non_null(strstr(row(f, find_row(f, "101 wget")), "  101K  3.0K  210K     0"));
	assert_non_null(
		strstr(row(f, find_row(f, "80     10.0.0.4:40001")), "  101K  210K  3.0K     1"));
	assert_non_null(strstr(row(f, find_row(f, "102 app")), "  4.0K  4.5K  4.5K     3"));
	assert_non_null(strstr(row(f, find_row(f, "100 curl")), "     0   100  1000     0"));
	/* The tree: each edge once, in the client's view; a server sums its branches. */
	key(f, '3');
	assert_non_null(strstr(row(f, 3), "CLOSED  RATE  SENT  RECV  RETR NETNS"));
	assert_non_null(strstr(row(f, find_row(f, "nginx[300]")), "  101K  3.1K  211K     1"));
	assert_non_null(strstr(row(f, find_row(f, "wget[101]")), "  101K  3.0K  210K     1"));
	assert_non_null(strstr(row(f, find_row(f, "curl[100]")), "     0   100  1000     0"));
	assert_non_null(strstr(row(f, find_row(f, "app[102]")), "  4.0K  4.5K  4.5K     3"));
	/* Processes: their own sockets' bytes, both ways. */
	key(f, '1');
	assert_non_null(strstr(row(f, 3), "OPEN/S  RATE LISTEN"));
	assert_non_null(strstr(row(f, find_row(f, "300 nginx")), "  101K "));
	assert_non_null(strstr(row(f, find_row(f, "100 curl")), "     0 "));
	/* The detail: rates each way, and the totals of its connections now. */
	key(f, UI_KEY_END);
	key(f, UI_KEY_ENTER);
	assert_true(find_row(f, "Traffic      100KB/s out, 1.0KB/s in; its connections now: 211KB "
				"out, 3.1KB in") > 3);
	fixture_free(f);
}

/* `r`: the heaviest first in every view, ties in the snapshot's order. */
static void sort_by_rate_puts_the_heaviest_first(void **state)
{
	struct fixture *f = fixture_new(24, 120);

	(void)state;
	small_world(f);
	small_world_traffic(f);
	key(f, '3');
	/* By name: the address first, and curl before wget. */
	assert_non_null(strstr(row(f, 4), "10.0.0.9"));
	assert_int_equal(key(f, 'r'), VIEW_REDRAW);
	assert_non_null(strstr(row(f, 3), "RATE▼"));
	/* The heaviest server, then its heaviest branch: wget's edge to nginx. */
	assert_non_null(strstr(row(f, 4), "nginx[300]"));
	assert_non_null(strstr(row(f, 5), "├─ wget[101]"));
	assert_non_null(strstr(row(f, 6), "└─ curl[100]"));
	assert_non_null(strstr(row(f, 7), "10.0.0.9"));
	key(f, 'r'); /* again: still the heaviest first */
	assert_non_null(strstr(row(f, 5), "├─ wget[101]"));

	key(f, '2');
	key(f, 'r');
	assert_non_null(strstr(row(f, 3), "RATE▼"));
	/* wget and nginx's side of it tie (101K): in snapshot order, by pid; idle ones last. */
	assert_non_null(strstr(row(f, 4), "101 wget"));
	assert_non_null(strstr(row(f, 5), "300 nginx"));
	assert_non_null(strstr(row(f, 5), "10.0.0.4:40001"));
	assert_non_null(strstr(row(f, 6), "102 app"));
	assert_non_null(strstr(row(f, 7), "100 curl"));
	assert_non_null(strstr(row(f, 8), "300 nginx"));
	key(f, 'I'); /* inverted: ties keep their order still */
	assert_non_null(strstr(row(f, 4), "100 curl"));
	assert_non_null(strstr(row(f, 5), "300 nginx"));
	assert_non_null(strstr(row(f, 8), "300 nginx"));
	assert_non_null(strstr(row(f, 8), "10.0.0.4:40001"));

	/* Choosing an amount with s sorts the most first, as htop does; another column keeps the
	 * direction there was. */
	key(f, 's');
	type(f, "SENT");
	key(f, UI_KEY_ENTER);
	assert_non_null(strstr(row(f, 3), "SENT▼"));
	assert_non_null(strstr(row(f, 4), "300 nginx")); /* 210K sent */
	key(f, 's');
	type(f, "COMM");
	key(f, UI_KEY_ENTER);
	assert_non_null(strstr(row(f, 3), "COMM▼"));
	key(f, 'I');
	key(f, 's');
	type(f, "PID");
	key(f, UI_KEY_ENTER);
	assert_non_null(strstr(row(f, 3), "PID▲"));

	key(f, '1');
	key(f, 'r');
	assert_non_null(strstr(row(f, 4), "101 wget")); /* ties with nginx: by pid */
	assert_non_null(strstr(row(f, 5), "300 nginx"));
	assert_non_null(strstr(row(f, 6), "102 app"));
	key(f, 'g'); /* groups have a rate too */
	key(f, 'r');
	assert_non_null(strstr(row(f, 3), "RATE▼"));
	assert_non_null(strstr(row(f, 4), "host"));
	fixture_free(f);
}

static void human_units(void **state)
{
	static const struct {
		uint64_t bytes;
		const char *text;
	} cases[] = {
		{ 0, "0" },
		{ 1023, "1023" },
		{ 1024, "1.0K" },
		{ 1536, "1.5K" },
		{ 10239, "10K" },
		{ 348160, "340K" },
		{ 1047552, "1023K" },
		{ 1048575, "1.0M" }, /* not "1024K" */
		{ 1572864, "1.5M" },
		{ 1099511627776ull, "1.0T" },
		{ 5ull << 40, "5.0T" },
		{ 3000ull << 40, "2.9P" },
		{ UINT64_MAX, "16E" },
	};
	char buf[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		format_bytes(buf, sizeof(buf), cases[i].bytes);
		assert_string_equal(buf, cases[i].text);
	}
	format_byte_rate(buf, sizeof(buf), -1);
	assert_string_equal(buf, "-");
	format_byte_rate(buf, sizeof(buf), 0.4);
	assert_string_equal(buf, "0");
	format_byte_rate(buf, sizeof(buf), 1023.4);
	assert_string_equal(buf, "1023");
	format_byte_rate(buf, sizeof(buf), 1023.6);
	assert_string_equal(buf, "1.0K");
	format_byte_rate(buf, sizeof(buf), 1.5 * 1024 * 1024);
	assert_string_equal(buf, "1.5M");
}

static void wide_characters_are_not_cut_in_half(void **state)
{
	struct grid *g = grid__new(1, 5);
	char buf[64];

	(void)state;
	/* Three CJK characters need 6 columns: two fit in 5, the third is left out whole. */
	assert_int_equal(grid_put(g, 0, 0, 5, "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5", ROLE_NORMAL),
			 4);
	grid_row_text(g, 0, buf, sizeof(buf));
	assert_string_equal(buf, "\xe6\x97\xa5\xe6\x97\xa5");
	grid__free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_state_says_so),
		cmocka_unit_test(nodes_show_counts_containers_and_listening_ports),
		cmocka_unit_test(connections_show_pid_direction_addresses_and_age),
		cmocka_unit_test(closed_connections_fade),
		cmocka_unit_test(hostile_names_are_inert),
		cmocka_unit_test(ipv6_addresses_widen_their_columns),
		cmocka_unit_test(long_names_are_cut_at_80x24_and_40x12),
		cmocka_unit_test(scrolling_keeps_the_selection_on_screen),
		cmocka_unit_test(selection_stays_on_its_row_as_rows_come_and_go),
		cmocka_unit_test(selected_row_that_goes_leaves_the_selection_in_place),
		cmocka_unit_test(port_filter_keeps_local_or_remote_port),
		cmocka_unit_test(pid_filter_and_cancel),
		cmocka_unit_test(container_pick_list_narrows_as_typed),
		cmocka_unit_test(search_applies_as_typed_and_esc_restores),
		cmocka_unit_test(topology_is_a_tree_of_servers_and_clients),
		cmocka_unit_test(sort_ties_keep_the_snapshot_order),
		cmocka_unit_test(grouping_sums_and_enter_drills_down),
		cmocka_unit_test(detail_lists_a_nodes_connections),
		cmocka_unit_test(help_lists_keys_and_every_counter),
		cmocka_unit_test(application_keys_come_back_as_reactions),
		cmocka_unit_test(tiny_screens_do_not_crash),
		cmocka_unit_test(wide_characters_are_not_cut_in_half),
		cmocka_unit_test(bytes_and_rates_are_shown),
		cmocka_unit_test(sort_by_rate_puts_the_heaviest_first),
		cmocka_unit_test(human_units),
	};

	setlocale(LC_ALL, "C.UTF-8");
	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests_name("view", tests, NULL, NULL);
}
