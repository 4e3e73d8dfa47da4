// SPDX-License-Identifier: GPL-2.0-only
/* The renderer: a snapshot in a view state, drawn into a grid of cells with roles. Pure. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "table.h"
#include "view.h"

#define MAX_COLUMNS 16
#define CELL_LEN    512
#define PICK_WIDTH  34

static const char *const mode_names[MODE_COUNT] = { "Nodes", "Connections", "Topology" };

/* Writes @text and returns the column after it. */
static int put(struct grid *grid, int row, int x, const char *text, enum role role)
{
	if (x >= grid->cols)
		return x;
	return x + grid_put(grid, row, x, grid->cols - x, text, role);
}

static int put_number(struct grid *grid, int row, int x, const char *label, uint64_t value,
		      enum role role)
{
	char text[32];

	snprintf(text, sizeof(text), "%llu", (unsigned long long)value);
	x = put(grid, row, x, label, ROLE_HEADER);
	x = put(grid, row, x, text, role);
	return put(grid, row, x, "  ", ROLE_HEADER);
}

/* Line 0: where this is and what feeds it; the clock and the pause on the right. */
static void render_host_line(const struct snapshot *snap, const struct view_state *view,
			     struct grid *grid)
{
	char text[3 * SNAP_HOST_LEN], clock[32];
	struct tm tm = { 0 }; /* stays 00:00:00 if the time cannot be broken down */
	int width;

	snprintf(text, sizeof(text), "conntop on %s  Linux %s  %s%s",
		 snap->host[0] ? snap->host : "?", snap->kernel[0] ? snap->kernel : "?",
		 snap->replay ? "replay of " : "", snap->source);
	put(grid, 0, 0, text, ROLE_HEADER);
	localtime_r(&snap->wall.tv_sec, &tm);
	snprintf(clock, sizeof(clock), "%s%02d:%02d:%02d", view->paused ? "PAUSED  " : "",
		 tm.tm_hour, tm.tm_min, tm.tm_sec);
	width = (int)strlen(clock);
	if (grid->cols > width + 1) {
		grid_put(grid, 0, grid->cols - width - 1, width + 1, " ", ROLE_HEADER);
		grid_put(grid, 0, grid->cols - width, width, clock,
			 view->paused ? ROLE_ALERT : ROLE_VALUE);
	}
}

/* Line 1: rates and totals, then every notable counter that is not 0. */
static void render_counters_line(const struct snapshot *snap, struct grid *grid)
{
	const struct tracker_stats *t = &snap->stats.tracker;
	struct counter counters[TABLE_MAX_COUNTERS];
	char text[64];
	size_t n, i;
	int x = 0;

	x = put(grid, 1, x, "Events/s ", ROLE_HEADER);
	if (snap->interval_ns)
		snprintf(text, sizeof(text), "%.0f", rows_rate(snap, snap->frame_events));
	else
		snprintf(text, sizeof(text), "-");
	x = put(grid, 1, x, text, ROLE_VALUE);
	x = put(grid, 1, x, "  ", ROLE_HEADER);
	x = put_number(grid, 1, x, "Lost ", snap->stats.lost,
		       snap->stats.lost ? ROLE_ALERT : ROLE_VALUE);
	x = put_number(grid, 1, x, "Active ", t->active, ROLE_VALUE);
	x = put_number(grid, 1, x, "Nodes ", snap->nnodes, ROLE_VALUE);
	x = put_number(grid, 1, x, "Edges ", snap->nedges, ROLE_VALUE);
	x = put_number(grid, 1, x, "Opened ", t->opened_in + t->opened_out, ROLE_VALUE);
	x = put_number(grid, 1, x, "Closed ", t->closed, ROLE_VALUE);
	n = table_counters(snap, counters, TABLE_MAX_COUNTERS);
	for (i = 0; i < n; i++) {
		if (!counters[i].notable || !counters[i].value)
			continue;
		snprintf(text, sizeof(text), "%s ", counters[i].name);
		text[0] = (char)(text[0] - 'a' + 'A');
		x = put_number(grid, 1, x, text, counters[i].value, ROLE_ALERT);
	}
}

/* Line 2: the views as tabs, the grouping, the filters in force. */
static void render_tabs_line(const struct view_state *view, struct grid *grid)
{
	static const char *const groups[GROUP_COUNT] = { "", " by container", " by netns" };
	char text[VIEW_INPUT_LEN + 16];
	int m, x = 0;

	for (m = 0; m < MODE_COUNT; m++) {
		snprintf(text, sizeof(text), " %d %s%s ", m + 1, mode_names[m],
			 m == MODE_NODES ? groups[view->group] : "");
		x = put(grid, 2, x, text, m == (int)view->mode ? ROLE_TAB_ACTIVE : ROLE_TAB);
		x = put(grid, 2, x, " ", ROLE_NORMAL);
	}
	filter_describe(&view->filter, text, sizeof(text));
	if (text[0]) {
		x = put(grid, 2, x, " Filter: ", ROLE_HEADER);
		x = put(grid, 2, x, text, ROLE_FILTER);
		put(grid, 2, x, "  (F clears)", ROLE_HEADER);
	}
}

/*
 * Column widths for this screen. The last column takes what is left. When the others do not fit,
 * the rightmost shrink first, to their minimum; past that, columns are clipped at the edge, as in
 * htop. Addresses are never cut. A column that may go (minimum 0) goes whole rather than keep less
 * than its title, and so does the last one: no stub of a column at the edge.
 */
static void layout(const struct view_column *cols, int ncols, int addr_width, int screen_cols,
		   int *widths)
{
	int total = 0, i, excess, used = 0, title;

	for (i = 0; i < ncols; i++) {
		widths[i] = cols[i].width;
		if (cols[i].address && addr_width > widths[i])
			widths[i] = addr_width;
		if (i < ncols - 1)
			total += widths[i] + 1;
	}
	excess = total - screen_cols; /* the last column never pushes the others */
	for (i = ncols - 2; i >= 0 && excess > 0; i--) { /* the rightmost give way first */
		int min = cols[i].address ? widths[i] : cols[i].min;
		int give = widths[i] - min < excess ? widths[i] - min : excess;

		widths[i] -= give;
		excess -= give;
		if (!cols[i].min && widths[i] < grid_text_width(cols[i].title, widths[i] + 1)) {
			excess -= widths[i] + 1; /* and its gap */
			widths[i] = 0;
		}
	}
	for (i = 0; i < ncols - 1; i++)
		used += widths[i] ? widths[i] + 1 : 0;
	title = grid_text_width(cols[ncols - 1].title, screen_cols);
	if (screen_cols - used < title)
		widths[ncols - 1] = 0;
	else
		widths[ncols - 1] =
			screen_cols - used > cols[ncols - 1].width ?
				screen_cols - used :
				cols[ncols - 1].width; /* clipped at the edge, as in htop */
}

static const char *branch_glyph(const struct view_row *row)
{
	return row->last ? "└─ " : "├─ ";
}

static void render_row(const struct view_rows *rows, const struct view_row *row,
		       const struct view_column *cols, int ncols, const int *widths,
		       struct grid *grid, int y, enum role role)
{
	char text[CELL_LEN];
	int x = 0, i;

	grid_set_row_role(grid, y, role);
	for (i = 0; i < ncols && x < grid->cols; i++) {
		int w = widths[i], pad = 0, indent = 0;

		if (!w)
			continue;
		cols[i].text(rows, row, text, sizeof(text));
		if (i == 0 && row->kind == ROW_BRANCH) {
			indent = grid_put(grid, y, x, w, branch_glyph(row),
					  role == ROLE_SELECTED ? role : ROLE_TREE);
		}
		if (cols[i].right)
			pad = w - grid_text_width(text, w);
		grid_put(grid, y, x + indent + pad, w - indent - pad, text, role);
		x += w + 1;
	}
}

static void render_titles(const struct view_column *cols, int ncols, const int *widths, int sorted,
			  bool descending, struct grid *grid, int y)
{
	char text[64];
	int x = 0, i;

	grid_set_row_role(grid, y, ROLE_TITLE);
	for (i = 0; i < ncols && x < grid->cols; i++) {
		int pad = 0, w = widths[i];

		if (!w)
			continue;
		snprintf(text, sizeof(text), "%s", cols[i].title);
		if (cols[i].right) /* room for the arrow inside, when there is */
			pad = w - grid_text_width(text, w) - (i == sorted);
		if (pad < 0)
			pad = 0;
		if (i != sorted) {
			grid_put(grid, y, x + pad, w - pad, text, ROLE_TITLE);
		} else { /* the arrow may take the gap after the column */
			int end = x + pad + grid_put(grid, y, x + pad, w - pad, text, ROLE_SORTED);

			grid_put(grid, y, end, 1, descending ? "▼" : "▲", ROLE_SORTED);
		}
		x += w + 1;
	}
}

static const char *empty_text(const struct view_state *view)
{
	if (filter_active(&view->filter))
		return "Nothing matches the filter (F or Esc clears it).";
	switch (view->mode) {
	case MODE_NODES:
		return "No process has a TCP connection or a listening socket yet.";
	case MODE_CONNS:
		return "No TCP connections yet: they appear here as they open.";
	default:
		return "No edges yet: each server appears here with the clients that talk to it.";
	}
}

static enum role row_role(const struct view_rows *rows, const struct view_row *row)
{
	if (row->kind == ROW_CONN && rows->snap->conns[row->index].closed)
		return ROLE_CLOSED; /* it fades for one refresh, then goes */
	if (row->kind == ROW_BRANCH && !rows->snap->edges[row->index].active)
		return ROLE_CLOSED;
	return ROLE_NORMAL;
}

/* The body: column titles and the rows that fit from the scroll position. */
static void render_table(const struct snapshot *snap, const struct view_state *view,
			 const struct view_rows *built, struct grid *grid)
{
	enum table_kind table = view_table(view);
	const struct view_cursor *c = &view->cursor[table];
	size_t body = view_body_rows(grid->rows), i;
	const struct view_column *cols;
	int ncols, widths[MAX_COLUMNS];
	struct view_rows rows;

	if (grid->rows <= VIEW_TOP_ROWS - 1)
		return;
	if (built)
		rows = *built;
	else if (view_rows(view, snap, false, &rows))
		return;
	cols = rows_columns(table, view->group, &ncols);
	layout(cols, ncols, rows.addr_width, grid->cols, widths);
	render_titles(cols, ncols, widths, view->sort_column[table], view->sort_descending[table],
		      grid, VIEW_TOP_ROWS - 1);
	if (!rows.nrows && body)
		grid_put(grid, VIEW_TOP_ROWS, 1, grid->cols - 1, empty_text(view), ROLE_NORMAL);
	for (i = 0; i < body && c->scroll + i < rows.nrows; i++) {
		const struct view_row *row = &rows.rows[c->scroll + i];
		enum role role =
			c->scroll + i == c->selected ? ROLE_SELECTED : row_role(&rows, row);

		render_row(&rows, row, cols, ncols, widths, grid, VIEW_TOP_ROWS + (int)i, role);
	}
	if (!built)
		rows_release(&rows);
}

/* Overlays that replace the body with lines: the detail and the help. */

struct lines {
	struct grid *grid;
	int first_row, last_row; /* where they may go */
	int label_width; /* of the labels of label_line() */
	size_t skip; /* lines scrolled off the top */
	size_t count; /* lines so far */
};

/* The next line's screen row, or -1 when it is scrolled off or below the screen. */
static int next_line(struct lines *l)
{
	size_t at = l->count++;
	long y;

	if (at < l->skip)
		return -1;
	y = l->first_row + (long)(at - l->skip);
	return y <= l->last_row ? (int)y : -1;
}

static void label_line(struct lines *l, const char *label, const char *value, enum role role)
{
	int y = next_line(l), x;

	if (y < 0)
		return;
	x = put(l->grid, y, 1, label, ROLE_HEADER);
	if (x < l->label_width + 2)
		x = l->label_width + 2;
	put(l->grid, y, x, value, role);
}

/* Its sockets' bytes: rates over the last refresh; totals of the connections it has now. */
static void detail_traffic(const struct snap_node *node, const struct snapshot *snap,
			   struct lines *l)
{
	char text[128], sent[16], received[16], sent_rate[16], received_rate[16];

	format_bytes(sent, sizeof(sent), node->bytes_sent);
	format_bytes(received, sizeof(received), node->bytes_received);
	if (snap->interval_ns) {
		format_byte_rate(sent_rate, sizeof(sent_rate),
				 snapshot_rate(snap, node->sent_delta));
		format_byte_rate(received_rate, sizeof(received_rate),
				 snapshot_rate(snap, node->received_delta));
		snprintf(text, sizeof(text),
			 "%sB/s out, %sB/s in; its connections now: %sB out, %sB in", sent_rate,
			 received_rate, sent, received);
	} else {
		snprintf(text, sizeof(text), "its connections now: %sB out, %sB in", sent,
			 received);
	}
	label_line(l, "Traffic", text, ROLE_NORMAL);
}

static void detail_facts(const struct snap_node *node, const struct snapshot *snap, struct lines *l)
{
	char text[2 * SNAP_NAME_LEN + 64];

	if (node->kind != NODE_PROCESS) {
		label_line(l, "Address", node->name, ROLE_VALUE);
		label_line(l, "Kind", "a peer that is not a process of this host", ROLE_NORMAL);
		return;
	}
	label_line(l, "Command", node->cmdline[0] ? node->cmdline : node->comm, ROLE_VALUE);
	snprintf(text, sizeof(text), "%u  (parent %u, user %s)", node->pid, node->ppid,
		 node->user[0] ? node->user : "?");
	label_line(l, "PID", text, ROLE_NORMAL);
	if (node->container.runtime[0])
		snprintf(text, sizeof(text), "%s  (%s %.64s)", node->container.name,
			 node->container.runtime, node->container.id);
	else
		snprintf(text, sizeof(text), "none: a process of the host");
	label_line(l, "Container", text, ROLE_NORMAL);
	if (node->container.pod[0])
		label_line(l, "Pod", node->container.pod, ROLE_NORMAL);
	snprintf(text, sizeof(text), "%llu", (unsigned long long)node->cgroup_id);
	label_line(l, "Cgroup id", node->cgroup_id ? text : "unknown", ROLE_NORMAL);
	snprintf(text, sizeof(text), "%u%s%s%s", node->netns, node->netns_name[0] ? "  (" : "",
		 node->netns_name, node->netns_name[0] ? ")" : "");
	label_line(l, "Namespace", text, ROLE_NORMAL);
	rows_ports(node->listening, node->nlistening, text, sizeof(text));
	label_line(l, "Listening", text, ROLE_NORMAL);
	if (snap->interval_ns)
		snprintf(text, sizeof(text), "%u in, %u out; %.1f opened/s", node->conns_in,
			 node->conns_out, rows_rate(snap, node->opened));
	else
		snprintf(text, sizeof(text), "%u in, %u out", node->conns_in, node->conns_out);
	label_line(l, "Connections", text, ROLE_NORMAL);
	detail_traffic(node, snap, l);
}

static void title_line(struct lines *l, const char *text)
{
	int y = next_line(l);

	if (y < 0)
		return;
	grid_set_row_role(l->grid, y, ROLE_TITLE);
	grid_put(l->grid, y, 1, l->grid->cols - 1, text, ROLE_TITLE);
}

static void detail_lines(const struct snapshot *snap, const struct view_state *view,
			 struct lines *l)
{
	const struct snap_node *node = view_detail_node(view, snap);
	const struct view_column *cols;
	int ncols, widths[MAX_COLUMNS], y;
	char text[SNAP_NAME_LEN + 64];
	struct view_rows rows;
	size_t i;

	snprintf(text, sizeof(text), "%s%s", view->detail.name,
		 node ? "" : ": gone, no socket of it is open now");
	title_line(l, text);
	if (!node || view_rows(view, snap, true, &rows))
		return;
	detail_facts(node, snap, l);
	next_line(l); /* a blank line */
	cols = rows_columns(TABLE_CONNS, GROUP_NONE, &ncols);
	if (l->grid)
		layout(cols, ncols, rows.addr_width, l->grid->cols, widths);
	if ((y = next_line(l)) >= 0)
		render_titles(cols, ncols, widths, view->sort_column[TABLE_CONNS],
			      view->sort_descending[TABLE_CONNS], l->grid, y);
	for (i = 0; i < rows.nrows; i++)
		if ((y = next_line(l)) >= 0)
			render_row(&rows, &rows.rows[i], cols, ncols, widths, l->grid, y,
				   row_role(&rows, &rows.rows[i]));
	rows_release(&rows);
}

static const char *const help_keys[][2] = {
	{ "Tab 1 2 3", "Nodes, Connections, Topology (shift-Tab goes back)" },
	{ "t F5", "the Topology tree" },
	{ "g", "group the Nodes view by container, by netns, or not" },
	{ "Up Down PgUp PgDn", "move the selection; Home and End jump" },
	{ "Enter", "details of the selected node; a group shows its processes" },
	{ "c", "filter by container: pick one, or type a name" },
	{ "p", "filter by port, local or remote (empty: any)" },
	{ "P", "filter by pid (empty: any)" },
	{ "/ \\ F3 F4", "search names, commands and addresses as you type" },
	{ "F Esc", "clear every filter" },
	{ "s F6", "choose the sort column; < and > move it, I inverts" },
	{ "r", "sort by rate (bytes/s sent and received), heaviest first" },
	{ "Space Z", "pause the screen; counting goes on" },
	{ "d", "refresh interval in seconds" },
	{ "e", "export what is shown to a file (.json, .dot, else text)" },
	{ "h ? F1", "this help" },
	{ "q F10", "quit" },
};

static void help_lines(const struct snapshot *snap, const struct view_state *view, struct lines *l)
{
	struct counter counters[TABLE_MAX_COUNTERS];
	char value[32];
	size_t i, n;

	(void)view;
	title_line(l, "conntop keys: any other key goes back");
	for (i = 0; i < sizeof(help_keys) / sizeof(help_keys[0]); i++)
		label_line(l, help_keys[i][0], help_keys[i][1], ROLE_NORMAL);
	next_line(l);
	title_line(l, "Every counter now");
	n = table_counters(snap, counters, TABLE_MAX_COUNTERS);
	for (i = 0; i < n; i++) {
		snprintf(value, sizeof(value), "%llu", (unsigned long long)counters[i].value);
		label_line(l, counters[i].name, value,
			   counters[i].notable && counters[i].value ? ROLE_ALERT : ROLE_VALUE);
	}
}

typedef void (*lines_fn)(const struct snapshot *snap, const struct view_state *view,
			 struct lines *l);

static lines_fn overlay_lines(const struct view_state *view)
{
	return view->overlay == OVERLAY_DETAIL ? detail_lines : help_lines;
}

size_t view_overlay_length(const struct snapshot *snap, const struct view_state *view)
{
	struct lines l = { .skip = (size_t)-1 }; /* counts, draws nothing */

	overlay_lines(view)(snap, view, &l);
	return l.count;
}

/* The detail or the help in the body, from its scroll position; the last screenful at most. */
static void render_overlay(const struct snapshot *snap, const struct view_state *view,
			   struct grid *grid)
{
	struct lines l = { grid,
			   VIEW_TOP_ROWS - 1,
			   grid->rows - 1 - VIEW_BOTTOM_ROWS,
			   view->overlay == OVERLAY_HELP ? 18 : 12,
			   0,
			   0 };
	size_t length = view_overlay_length(snap, view), room;

	if (l.last_row < l.first_row)
		return;
	room = (size_t)(l.last_row - l.first_row + 1);
	l.skip = view->overlay_scroll;
	if (length < room)
		l.skip = 0;
	else if (l.skip > length - room)
		l.skip = length - room;
	overlay_lines(view)(snap, view, &l);
}

/* A pick list: a panel over the left of the body. */
static void render_pick(const struct view_state *view, struct grid *grid)
{
	static const char *const titles[] = {
		[PROMPT_CONTAINER] = "Container", [PROMPT_SORT] = "Sort by"
	};
	int width = grid->cols < PICK_WIDTH ? grid->cols : PICK_WIDTH, y = VIEW_TOP_ROWS - 1;
	int last = grid->rows - 1 - VIEW_BOTTOM_ROWS, x;
	size_t i, n = 0, first = 0, room;

	if (y > last)
		return;
	room = (size_t)(last - y); /* rows for choices, below the title */
	if (view->pick_selected >= room && room)
		first = view->pick_selected - room + 1;
	grid_put(grid, y, 0, width, "                                                  ",
		 ROLE_TITLE);
	x = grid_put(grid, y, 0, width, titles[view->prompt], ROLE_TITLE);
	x += grid_put(grid, y, x, width - x, ": ", ROLE_TITLE);
	grid_put(grid, y, x, width - x, view->input, ROLE_TITLE);
	for (i = 0; i < view->npick; i++) {
		enum role role;

		if (!view_pick_matches(view, i))
			continue;
		if (n >= first && n - first < room) {
			role = n == view->pick_selected ? ROLE_SELECTED : ROLE_PANEL;
			y = VIEW_TOP_ROWS + (int)(n - first);
			grid_put(grid, y, 0, width,
				 "                                                  ", role);
			grid_put(grid, y, 1, width - 1, view->pick[i], role);
		}
		n++;
	}
	if (!n && room)
		grid_put(grid, VIEW_TOP_ROWS, 1, width - 1,
			 view->input[0] ? "none seen: Enter filters by this" : "none seen",
			 ROLE_PANEL);
}

static void render_hints(struct grid *grid, int y, const char *const hints[][2], size_t n)
{
	int x = 0;
	size_t i;

	for (i = 0; i < n && x < grid->cols; i++) {
		x = put(grid, y, x, hints[i][0], ROLE_FOOTER_KEY);
		x = put(grid, y, x, hints[i][1], ROLE_FOOTER);
	}
}

static void render_footer(const struct view_state *view, struct grid *grid)
{
	static const char *const main_hints[][2] = {
		{ "F1", "Help " },  { "Tab", "View " }, { "g", "Group " }, { "c", "Container " },
		{ "p", "Port " },   { "/", "Search " }, { "s", "Sort " },  { "Spc", "Pause " },
		{ "e", "Export " }, { "q", "Quit" },
	};
	static const char *const detail_hints[][2] = { { "Esc", "Back " },
						       { "Up/Dn", "Scroll " },
						       { "q", "Quit " } };
	static const char *const pick_hints[][2] = { { "Enter", "Choose " },
						     { "Esc", "Cancel " },
						     { "", " type to narrow the list" } };
	static const char *const prompts[] = {
		[PROMPT_PORT] = "Port (empty: any): ", [PROMPT_PID] = "PID (empty: any): ",
		[PROMPT_SEARCH] = "Search: ",	       [PROMPT_INTERVAL] = "Refresh every (s): ",
		[PROMPT_EXPORT] = "Export to: ",
	};
	int y = grid->rows - 1, x;

	if (y < 1)
		return;
	grid_set_row_role(grid, y, ROLE_FOOTER);
	if (view->overlay == OVERLAY_PROMPT) {
		grid_set_row_role(grid, y, ROLE_PROMPT);
		x = put(grid, y, 0, prompts[view->prompt], ROLE_PROMPT);
		x = put(grid, y, x, view->input, ROLE_PROMPT);
		put(grid, y, x, "_", ROLE_PROMPT);
	} else if (view->overlay == OVERLAY_PICK) {
		render_hints(grid, y, pick_hints, 3);
	} else if (view->overlay == OVERLAY_DETAIL || view->overlay == OVERLAY_HELP) {
		render_hints(grid, y, detail_hints, 3);
	} else if (view->message[0]) {
		put(grid, y, 0, view->message, ROLE_FOOTER);
	} else {
		render_hints(grid, y, main_hints, sizeof(main_hints) / sizeof(main_hints[0]));
	}
}

void view_render_rows(const struct snapshot *snap, const struct view_state *view,
		      const struct view_rows *rows, struct grid *grid)
{
	grid_clear(grid);
	if (grid->rows > 0)
		render_host_line(snap, view, grid);
	if (grid->rows > 1)
		render_counters_line(snap, grid);
	if (grid->rows > 2)
		render_tabs_line(view, grid);
	if (view->overlay == OVERLAY_DETAIL || view->overlay == OVERLAY_HELP)
		render_overlay(snap, view, grid);
	else
		render_table(snap, view, rows, grid);
	if (view->overlay == OVERLAY_PICK)
		render_pick(view, grid);
	render_footer(view, grid);
}

void view_render(const struct snapshot *snap, const struct view_state *view, struct grid *grid)
{
	view_render_rows(snap, view, NULL, grid);
}
