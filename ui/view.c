// SPDX-License-Identifier: GPL-2.0-only
/* The reducer: keys in, a new view state and a reaction out. */
#include "view.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keys.h"
#include "options.h"

#define PID_MAX_LIMIT 4194304 /* the kernel's ceiling for pid_max */
#define ANY_CONTAINER "(any container)"

void view_init(struct view_state *view, const struct snapshot_filter *filter, double interval_s)
{
	memset(view, 0, sizeof(*view));
	view->mode = MODE_NODES;
	if (filter)
		view->filter = *filter;
	else
		filter_init(&view->filter);
	view->interval_s = interval_s;
}

enum table_kind view_table(const struct view_state *view)
{
	switch (view->mode) {
	case MODE_NODES:
		return view->group == GROUP_NONE ? TABLE_NODES : TABLE_GROUPS;
	case MODE_CONNS:
		return TABLE_CONNS;
	default:
		return TABLE_TREE;
	}
}

size_t view_body_rows(int screen_rows)
{
	int rows = screen_rows - VIEW_TOP_ROWS - VIEW_BOTTOM_ROWS;

	return rows > 0 ? (size_t)rows : 0;
}

const struct snap_node *view_detail_node(const struct view_state *view, const struct snapshot *snap)
{
	size_t i;

	for (i = 0; i < snap->nnodes; i++)
		if (snap->nodes[i].kind == view->detail.kind &&
		    !strcmp(snap->nodes[i].name, view->detail.name))
			return &snap->nodes[i];
	return NULL;
}

int view_rows(const struct view_state *view, const struct snapshot *snap, bool detail,
	      struct view_rows *rows)
{
	enum table_kind table = detail ? TABLE_CONNS : view_table(view);
	struct rows_query q = {
		.table = table,
		.group = view->group,
		.filter = &view->filter,
		.sort_column = view->sort_column[table],
		.descending = view->sort_descending[table],
	};

	if (detail) {
		q.owner = view_detail_node(view, snap);
		if (!q.owner) { /* gone: nothing to list */
			memset(rows, 0, sizeof(*rows));
			rows->snap = snap;
			return 0;
		}
	}
	return rows_build(rows, snap, &q);
}

/* Keeps the selection within the rows and on screen, and remembers whose row it is. */
static void cursor_place(struct view_cursor *c, const struct view_rows *rows, size_t body)
{
	if (!rows->nrows) {
		c->selected = c->scroll = 0;
		return;
	}
	if (c->selected >= rows->nrows)
		c->selected = rows->nrows - 1;
	c->key = rows->rows[c->selected].key;
	if (c->selected < c->scroll)
		c->scroll = c->selected;
	if (body && c->selected >= c->scroll + body)
		c->scroll = c->selected - body + 1;
	if (rows->nrows <= body)
		c->scroll = 0;
	else if (c->scroll > rows->nrows - body) /* no blank rows below while there are more */
		c->scroll = rows->nrows - body;
}

static void sync_rows(struct view_state *view, const struct view_rows *rows, int screen_rows)
{
	struct view_cursor *c = &view->cursor[view_table(view)];
	long at = rows_find(rows, c->key);

	if (at >= 0)
		c->selected = (size_t)at;
	cursor_place(c, rows, view_body_rows(screen_rows));
}

void view_sync(struct view_state *view, const struct snapshot *snap, int screen_rows)
{
	struct view_rows rows;

	if (!snap || view_rows(view, snap, false, &rows))
		return;
	sync_rows(view, &rows, screen_rows);
	rows_release(&rows);
}

void view_show(struct view_state *view, const struct snapshot *snap, struct grid *grid)
{
	struct view_rows rows;

	if (!snap || view_rows(view, snap, false, &rows)) {
		view_sync(view, snap, grid->rows);
		view_render(snap, view, grid);
		return;
	}
	sync_rows(view, &rows, grid->rows);
	view_render_rows(snap, view, &rows, grid);
	rows_release(&rows);
}

void view_message(struct view_state *view, const char *text)
{
	snprintf(view->message, sizeof(view->message), "%s", text);
}

/* Moving the selection. */

static enum view_reaction move(struct view_state *view, int key, const struct snapshot *snap,
			       int screen_rows)
{
	struct view_cursor *c = &view->cursor[view_table(view)];
	size_t body = view_body_rows(screen_rows), page = body ? body : 1;
	struct view_rows rows;

	if (view_rows(view, snap, false, &rows))
		return VIEW_NOTHING;
	switch (key) {
	case UI_KEY_UP:
		c->selected = c->selected ? c->selected - 1 : 0;
		break;
	case UI_KEY_DOWN:
		c->selected++;
		break;
	case UI_KEY_PGUP:
		c->selected = c->selected > page ? c->selected - page : 0;
		c->scroll = c->scroll > page ? c->scroll - page : 0;
		break;
	case UI_KEY_PGDN:
		c->selected += page;
		c->scroll += page;
		break;
	case UI_KEY_HOME:
		c->selected = 0;
		break;
	case UI_KEY_END:
		c->selected = rows.nrows ? rows.nrows - 1 : 0;
		break;
	}
	cursor_place(c, &rows, body);
	rows_release(&rows);
	return VIEW_REDRAW;
}

static bool is_move_key(int key)
{
	return key == UI_KEY_UP || key == UI_KEY_DOWN || key == UI_KEY_PGUP || key == UI_KEY_PGDN ||
	       key == UI_KEY_HOME || key == UI_KEY_END;
}

/* Overlays that scroll: the help and the detail, which also use the column-title row. */
static void scroll_overlay(struct view_state *view, int key, const struct snapshot *snap,
			   int screen_rows)
{
	size_t room = view_body_rows(screen_rows) + 1, page = room;
	size_t length = view_overlay_length(snap, view);
	size_t last = length > room ? length - room : 0;

	switch (key) {
	case UI_KEY_UP:
		view->overlay_scroll -= view->overlay_scroll > 0;
		break;
	case UI_KEY_DOWN:
		view->overlay_scroll++;
		break;
	case UI_KEY_PGUP:
		view->overlay_scroll =
			view->overlay_scroll > page ? view->overlay_scroll - page : 0;
		break;
	case UI_KEY_PGDN:
		view->overlay_scroll += page;
		break;
	case UI_KEY_HOME:
		view->overlay_scroll = 0;
		break;
	case UI_KEY_END:
		view->overlay_scroll = last;
		break;
	}
	if (view->overlay_scroll > last)
		view->overlay_scroll = last;
}

/* Prompts and pick lists. */

/* Copies what fits; inputs are limited to their destination's size (input_limit). */
static void copy_text(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* How long a typed value may be: as long as where it goes. */
static size_t input_limit(enum view_prompt prompt)
{
	switch (prompt) {
	case PROMPT_SEARCH:
		return FILTER_TEXT_LEN;
	case PROMPT_CONTAINER:
		return SNAP_NAME_LEN;
	default:
		return VIEW_INPUT_LEN;
	}
}

static void open_prompt(struct view_state *view, enum view_prompt prompt, const char *initial)
{
	view->overlay = OVERLAY_PROMPT;
	view->prompt = prompt;
	copy_text(view->input, input_limit(prompt), initial);
}

static void add_pick(struct view_state *view, const char *text)
{
	size_t i;

	for (i = 0; i < view->npick; i++)
		if (!strcmp(view->pick[i], text))
			return;
	if (view->npick < VIEW_PICK_MAX)
		copy_text(view->pick[view->npick++], sizeof(view->pick[0]), text);
}

static int cmp_pick(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void open_container_pick(struct view_state *view, const struct snapshot *snap)
{
	size_t i;

	view->overlay = OVERLAY_PICK;
	view->prompt = PROMPT_CONTAINER;
	view->input[0] = '\0';
	view->npick = 0;
	view->pick_selected = 0;
	for (i = 0; i < snap->nnodes; i++) {
		const struct snap_container *c = &snap->nodes[i].container;

		if (snap->nodes[i].kind == NODE_PROCESS && c->runtime[0])
			add_pick(view, c->pod[0] ? c->pod : c->name);
	}
	qsort(view->pick, view->npick, sizeof(view->pick[0]), cmp_pick);
	/* "any" goes first: shift the sorted names down by one */
	if (view->npick == VIEW_PICK_MAX)
		view->npick--;
	memmove(view->pick[1], view->pick[0], view->npick * sizeof(view->pick[0]));
	snprintf(view->pick[0], sizeof(view->pick[0]), ANY_CONTAINER);
	view->npick++;
}

static void open_sort_pick(struct view_state *view)
{
	enum table_kind table = view_table(view);
	int ncols, i;
	const struct view_column *cols = rows_columns(table, view->group, &ncols);

	view->overlay = OVERLAY_PICK;
	view->prompt = PROMPT_SORT;
	view->input[0] = '\0';
	view->npick = 0;
	for (i = 0; i < ncols; i++)
		add_pick(view, cols[i].title);
	view->pick_selected = (size_t)view->sort_column[table];
}

bool view_pick_matches(const struct view_state *view, size_t i)
{
	return !view->input[0] || strcasestr(view->pick[i], view->input);
}

/* The choice at @n among those matching the input, or -1. */
static long pick_nth(const struct view_state *view, size_t n)
{
	size_t i;

	for (i = 0; i < view->npick; i++)
		if (view_pick_matches(view, i) && n-- == 0)
			return (long)i;
	return -1;
}

static size_t pick_count(const struct view_state *view)
{
	size_t i, n = 0;

	for (i = 0; i < view->npick; i++)
		n += view_pick_matches(view, i);
	return n;
}

static bool parse_number(const char *text, long min, long max, long *value)
{
	char *end;

	errno = 0;
	*value = strtol(text, &end, 10);
	return !errno && end != text && !*end && *value >= min && *value <= max;
}

static void set_container_filter(struct view_state *view, const char *value)
{
	copy_text(view->filter.container, sizeof(view->filter.container),
		  strcmp(value, ANY_CONTAINER) ? value : "");
}

/*
 * Sorts by column @col. An amount (bytes, rates, counts) sorts the most first, as htop sorts CPU%;
 * any other column keeps the direction there was.
 */
static void sort_by(struct view_state *view, int col)
{
	enum table_kind table = view_table(view);
	int ncols;
	const struct view_column *cols = rows_columns(table, view->group, &ncols);

	if (col < 0 || col >= ncols)
		return;
	view->sort_column[table] = col;
	if (cols[col].descending)
		view->sort_descending[table] = true;
}

static enum view_reaction commit_pick(struct view_state *view, const struct snapshot *snap,
				      int screen_rows)
{
	long at = pick_nth(view, view->pick_selected);

	view->overlay = OVERLAY_NONE;
	if (view->prompt == PROMPT_SORT) {
		if (at >= 0)
			sort_by(view, (int)at);
	} else if (at >= 0) {
		set_container_filter(view, view->pick[at]);
	} else if (view->input[0]) { /* a name not seen yet: filter by what was typed */
		set_container_filter(view, view->input);
	}
	view_sync(view, snap, screen_rows);
	return VIEW_REDRAW;
}

static enum view_reaction commit_prompt(struct view_state *view, const struct snapshot *snap,
					int screen_rows)
{
	enum view_reaction reaction = VIEW_REDRAW;
	char *end;
	double seconds;
	long n;

	view->overlay = OVERLAY_NONE;
	switch (view->prompt) {
	case PROMPT_PORT:
		if (!view->input[0])
			view->filter.port = -1;
		else if (parse_number(view->input, 0, 65535, &n))
			view->filter.port = (int)n;
		else
			snprintf(view->message, sizeof(view->message), "not a port: %.200s",
				 view->input);
		break;
	case PROMPT_PID:
		if (!view->input[0])
			view->filter.pid = 0;
		else if (parse_number(view->input, 1, PID_MAX_LIMIT, &n))
			view->filter.pid = (uint32_t)n;
		else
			snprintf(view->message, sizeof(view->message), "not a pid: %.200s",
				 view->input);
		break;
	case PROMPT_INTERVAL:
		errno = 0;
		seconds = strtod(view->input, &end);
		if (errno || end == view->input || *end || !(seconds >= OPTIONS_MIN_DELAY_S) ||
		    seconds > OPTIONS_MAX_DELAY_S) {
			snprintf(view->message, sizeof(view->message),
				 "not an interval: %.100s (%g to %g seconds)", view->input,
				 OPTIONS_MIN_DELAY_S, OPTIONS_MAX_DELAY_S);
			break;
		}
		view->interval_s = seconds;
		reaction |= VIEW_INTERVAL;
		break;
	case PROMPT_EXPORT:
		if (!view->input[0])
			break;
		snprintf(view->export_path, sizeof(view->export_path), "%s", view->input);
		reaction |= VIEW_EXPORT;
		break;
	default: /* the search is applied as it is typed */
		break;
	}
	view_sync(view, snap, screen_rows);
	return reaction;
}

/* Which characters a prompt takes. */
static bool prompt_accepts(enum view_prompt prompt, int key)
{
	if (key < ' ' || key >= UI_KEY_UP || key == 127)
		return false;
	switch (prompt) {
	case PROMPT_PORT:
	case PROMPT_PID:
		return key >= '0' && key <= '9';
	case PROMPT_INTERVAL:
		return (key >= '0' && key <= '9') || key == '.';
	default:
		return true;
	}
}

/* Appends @key as UTF-8, if it fits whole. */
static void input_append(char *input, size_t size, int key)
{
	size_t len = strlen(input);
	char utf8[4];
	int n = 0;

	if (key < 0x80) {
		utf8[n++] = (char)key;
	} else if (key < 0x800) {
		utf8[n++] = (char)(0xc0 | key >> 6);
		utf8[n++] = (char)(0x80 | (key & 0x3f));
	} else if (key < 0x10000) {
		utf8[n++] = (char)(0xe0 | key >> 12);
		utf8[n++] = (char)(0x80 | (key >> 6 & 0x3f));
		utf8[n++] = (char)(0x80 | (key & 0x3f));
	} else {
		utf8[n++] = (char)(0xf0 | key >> 18);
		utf8[n++] = (char)(0x80 | (key >> 12 & 0x3f));
		utf8[n++] = (char)(0x80 | (key >> 6 & 0x3f));
		utf8[n++] = (char)(0x80 | (key & 0x3f));
	}
	if (len + (size_t)n < size) {
		memcpy(input + len, utf8, (size_t)n);
		input[len + (size_t)n] = '\0';
	}
}

/* Removes the last character, however many bytes of UTF-8 it took. */
static void input_backspace(char *input)
{
	size_t len = strlen(input);

	while (len && ((unsigned char)input[len - 1] & 0xc0) == 0x80)
		len--;
	if (len)
		len--;
	input[len] = '\0';
}

/* Editing keys shared by prompts and pick lists; false when @key is not one. */
static bool edit_input(struct view_state *view, int key)
{
	if (key == UI_KEY_BACKSPACE)
		input_backspace(view->input);
	else if (key == UI_KEY_CTRL_U)
		view->input[0] = '\0';
	else if (prompt_accepts(view->prompt, key))
		input_append(view->input, input_limit(view->prompt), key);
	else
		return false;
	return true;
}

static void search_follows_input(struct view_state *view)
{
	copy_text(view->filter.text, sizeof(view->filter.text), view->input);
}

static enum view_reaction apply_prompt(struct view_state *view, int key,
				       const struct snapshot *snap, int screen_rows)
{
	if (key == UI_KEY_ENTER)
		return commit_prompt(view, snap, screen_rows);
	if (key == UI_KEY_ESC) {
		view->overlay = OVERLAY_NONE;
		if (view->prompt == PROMPT_SEARCH) {
			memcpy(view->filter.text, view->search_before, sizeof(view->filter.text));
			view_sync(view, snap, screen_rows);
		}
		return VIEW_REDRAW;
	}
	if (!edit_input(view, key))
		return VIEW_NOTHING;
	if (view->prompt == PROMPT_SEARCH) { /* incremental, as htop's filter */
		search_follows_input(view);
		view_sync(view, snap, screen_rows);
	}
	return VIEW_REDRAW;
}

static enum view_reaction apply_pick(struct view_state *view, int key, const struct snapshot *snap,
				     int screen_rows)
{
	size_t n = pick_count(view);

	switch (key) {
	case UI_KEY_ENTER:
		return commit_pick(view, snap, screen_rows);
	case UI_KEY_ESC:
		view->overlay = OVERLAY_NONE;
		return VIEW_REDRAW;
	case UI_KEY_UP:
		view->pick_selected -= view->pick_selected > 0;
		return VIEW_REDRAW;
	case UI_KEY_DOWN:
		if (view->pick_selected + 1 < n)
			view->pick_selected++;
		return VIEW_REDRAW;
	case UI_KEY_HOME:
		view->pick_selected = 0;
		return VIEW_REDRAW;
	case UI_KEY_END:
		view->pick_selected = n ? n - 1 : 0;
		return VIEW_REDRAW;
	}
	if (!edit_input(view, key))
		return VIEW_NOTHING;
	view->pick_selected = 0;
	return VIEW_REDRAW;
}

/* Enter on a row: a node's detail; on a group, the Nodes view filtered to that group. */
static enum view_reaction open_selected(struct view_state *view, const struct snapshot *snap,
					int screen_rows)
{
	const struct view_cursor *c = &view->cursor[view_table(view)];
	const struct snap_node *node = NULL;
	struct view_rows rows;

	if (view_rows(view, snap, false, &rows))
		return VIEW_NOTHING;
	if (c->selected < rows.nrows) {
		const struct view_row *row = &rows.rows[c->selected];

		if (row->kind == ROW_GROUP) {
			const struct group_row *g = &rows.groups[row->index];

			if (view->group == GROUP_NETNS)
				view->filter.netns = g->netns;
			else if (g->container[0])
				set_container_filter(view, g->container);
			view->group = GROUP_NONE;
		} else {
			node = rows_node(&rows, row);
		}
	}
	if (node) {
		view->overlay = OVERLAY_DETAIL;
		view->overlay_scroll = 0;
		view->detail.kind = node->kind;
		copy_text(view->detail.name, sizeof(view->detail.name), node->name);
	}
	rows_release(&rows);
	view_sync(view, snap, screen_rows);
	return VIEW_REDRAW;
}

static void default_export_name(const struct snapshot *snap, char *buf, size_t size)
{
	struct tm tm = { 0 };

	gmtime_r(&snap->wall.tv_sec, &tm);
	snprintf(buf, size, "conntop-%04d%02d%02d-%02d%02d%02d.txt", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static enum view_reaction switch_mode(struct view_state *view, enum view_mode mode,
				      const struct snapshot *snap, int screen_rows)
{
	view->mode = mode;
	view_sync(view, snap, screen_rows);
	return VIEW_REDRAW;
}

static enum view_reaction change_sort(struct view_state *view, int key, const struct snapshot *snap,
				      int screen_rows)
{
	enum table_kind table = view_table(view);
	int ncols;

	rows_columns(table, view->group, &ncols);
	if (key == '<')
		view->sort_column[table] = (view->sort_column[table] + ncols - 1) % ncols;
	else if (key == '>')
		view->sort_column[table] = (view->sort_column[table] + 1) % ncols;
	else
		view->sort_descending[table] = !view->sort_descending[table];
	view_sync(view, snap, screen_rows);
	return VIEW_REDRAW;
}

static enum view_reaction apply_main(struct view_state *view, int key, const struct snapshot *snap,
				     int screen_rows)
{
	char text[VIEW_INPUT_LEN];

	if (is_move_key(key))
		return move(view, key, snap, screen_rows);
	switch (key) {
	case 'q':
	case 'Q':
	case UI_KEY_F10:
		return VIEW_QUIT;
	case UI_KEY_TAB:
		return switch_mode(view, (view->mode + 1) % MODE_COUNT, snap, screen_rows);
	case UI_KEY_BTAB:
		return switch_mode(view, (view->mode + MODE_COUNT - 1) % MODE_COUNT, snap,
				   screen_rows);
	case '1':
	case '2':
	case '3':
		return switch_mode(view, (enum view_mode)(key - '1'), snap, screen_rows);
	case UI_KEY_F5: /* htop's tree keys */
	case 't':
		return switch_mode(view, MODE_TOPOLOGY, snap, screen_rows);
	case 'g':
		view->group = (view->group + 1) % GROUP_COUNT;
		return switch_mode(view, MODE_NODES, snap, screen_rows);
	case UI_KEY_ENTER:
	case UI_KEY_RIGHT:
		return open_selected(view, snap, screen_rows);
	case 'c':
		open_container_pick(view, snap);
		return VIEW_REDRAW;
	case 'p':
		if (view->filter.port >= 0)
			snprintf(text, sizeof(text), "%d", view->filter.port);
		else
			text[0] = '\0';
		open_prompt(view, PROMPT_PORT, text);
		return VIEW_REDRAW;
	case 'P':
		if (view->filter.pid)
			snprintf(text, sizeof(text), "%u", view->filter.pid);
		else
			text[0] = '\0';
		open_prompt(view, PROMPT_PID, text);
		return VIEW_REDRAW;
	case '/':
	case '\\':
	case UI_KEY_F3:
	case UI_KEY_F4:
		memcpy(view->search_before, view->filter.text, sizeof(view->search_before));
		open_prompt(view, PROMPT_SEARCH, view->filter.text);
		return VIEW_REDRAW;
	case 'F':
	case UI_KEY_ESC:
		filter_init(&view->filter);
		view_sync(view, snap, screen_rows);
		return VIEW_REDRAW;
	case 's':
	case UI_KEY_F6:
		open_sort_pick(view);
		return VIEW_REDRAW;
	case '<':
	case '>':
	case 'I':
		return change_sort(view, key, snap, screen_rows);
	case 'r': /* the heaviest first: bytes per second, sent and received */
		sort_by(view, rows_rate_column(view_table(view), view->group));
		view_sync(view, snap, screen_rows);
		return VIEW_REDRAW;
	case ' ':
	case 'Z': /* htop's */
		view->paused = !view->paused;
		return VIEW_PAUSE | VIEW_REDRAW;
	case 'd':
		snprintf(text, sizeof(text), "%g", view->interval_s);
		open_prompt(view, PROMPT_INTERVAL, text);
		return VIEW_REDRAW;
	case 'e':
		default_export_name(snap, text, sizeof(text));
		open_prompt(view, PROMPT_EXPORT, text);
		return VIEW_REDRAW;
	case 'h':
	case '?':
	case UI_KEY_F1:
		view->overlay = OVERLAY_HELP;
		view->overlay_scroll = 0;
		return VIEW_REDRAW;
	case UI_KEY_CTRL_L:
		return VIEW_REDRAW;
	default:
		return VIEW_NOTHING;
	}
}

static enum view_reaction apply_overlay(struct view_state *view, int key,
					const struct snapshot *snap, int screen_rows)
{
	if (key == UI_KEY_F10 || (view->overlay == OVERLAY_DETAIL && (key == 'q' || key == 'Q')))
		return VIEW_QUIT;
	if (is_move_key(key)) {
		scroll_overlay(view, key, snap, screen_rows);
		return VIEW_REDRAW;
	}
	if (view->overlay == OVERLAY_HELP || key == UI_KEY_ESC || key == UI_KEY_LEFT ||
	    key == UI_KEY_ENTER || key == UI_KEY_BACKSPACE) {
		view->overlay = OVERLAY_NONE; /* any key leaves the help, as in htop */
		return VIEW_REDRAW;
	}
	return VIEW_NOTHING;
}

enum view_reaction view_apply(struct view_state *view, int key, const struct snapshot *snap,
			      int screen_rows)
{
	if (key == UI_KEY_RESIZE) {
		view_sync(view, snap, screen_rows);
		return VIEW_REDRAW;
	}
	if (view->message[0]) {
		view->message[0] = '\0'; /* read: the next key clears it */
		if (key == UI_KEY_ESC && view->overlay == OVERLAY_NONE)
			return VIEW_REDRAW;
	}
	switch (view->overlay) {
	case OVERLAY_PROMPT:
		return apply_prompt(view, key, snap, screen_rows);
	case OVERLAY_PICK:
		return apply_pick(view, key, snap, screen_rows);
	case OVERLAY_HELP:
	case OVERLAY_DETAIL:
		return apply_overlay(view, key, snap, screen_rows);
	default:
		return apply_main(view, key, snap, screen_rows);
	}
}
