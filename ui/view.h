/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The view: its state, the reducer that applies a key to it, and the pure renderer of a snapshot
 * in that state into a grid. Nothing here reads the clock, /proc or the terminal; what only the
 * application can do (quit, change the timer, write a file) comes back as a reaction.
 */
#ifndef CONNTOP_VIEW_H
#define CONNTOP_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filter.h"
#include "grid.h"
#include "rows.h"
#include "snapshot.h"

enum view_mode {
	MODE_NODES,
	MODE_CONNS,
	MODE_TOPOLOGY,
	MODE_COUNT,
};

enum view_overlay {
	OVERLAY_NONE,
	OVERLAY_HELP,
	OVERLAY_DETAIL, /* everything about one node */
	OVERLAY_PROMPT, /* a value being typed on the bottom line */
	OVERLAY_PICK, /* a list to choose from, narrowed by typing */
};

enum view_prompt {
	PROMPT_PORT,
	PROMPT_PID,
	PROMPT_SEARCH,
	PROMPT_INTERVAL,
	PROMPT_EXPORT,
	PROMPT_CONTAINER, /* a pick list */
	PROMPT_SORT, /* a pick list */
};

enum view_reaction {
	VIEW_NOTHING = 0,
	VIEW_REDRAW = 1 << 0,
	VIEW_QUIT = 1 << 1,
	VIEW_INTERVAL = 1 << 2, /* interval_s changed */
	VIEW_EXPORT = 1 << 3, /* write the snapshot on screen to export_path */
	VIEW_PAUSE = 1 << 4, /* paused changed */
};

/* Rows above the body: host line, counters, tabs and filters, column titles; below: the footer. */
#define VIEW_TOP_ROWS	 4
#define VIEW_BOTTOM_ROWS 1

#define VIEW_INPUT_LEN 256
#define VIEW_PICK_MAX  64

struct view_cursor {
	size_t selected; /* row index */
	size_t scroll; /* the first row shown */
	uint64_t key; /* the selected row's identity: it stays selected as rows come and go */
};

struct view_state {
	enum view_mode mode;
	enum group_by group; /* of the Nodes view */
	int sort_column[TABLE_COUNT];
	bool sort_descending[TABLE_COUNT];
	struct view_cursor cursor[TABLE_COUNT];
	struct snapshot_filter filter;
	bool paused;
	double interval_s;

	enum view_overlay overlay;
	enum view_prompt prompt;
	char input[VIEW_INPUT_LEN]; /* what is typed at the prompt or pick list */
	char search_before[FILTER_TEXT_LEN]; /* restored when a search is cancelled */
	char pick[VIEW_PICK_MAX][SNAP_NAME_LEN]; /* a pick list's choices */
	size_t npick;
	size_t pick_selected; /* among the choices that match the input */

	struct {
		uint8_t kind; /* enum node_kind */
		char name[SNAP_NAME_LEN]; /* "comm[pid]" or the address */
	} detail; /* the node the detail is about */
	size_t overlay_scroll; /* of the detail and the help */

	char message[VIEW_INPUT_LEN]; /* shown on the bottom line until the next key */
	char export_path[VIEW_INPUT_LEN]; /* with VIEW_EXPORT */
};

/* The state at start: the Nodes view, filtered by @filter (from the flags), refreshed every @s. */
void view_init(struct view_state *view, const struct snapshot_filter *filter, double interval_s);

/* The table the view shows now. */
enum table_kind view_table(const struct view_state *view);

/* After a new snapshot: the selection moves to where its row is now. */
void view_sync(struct view_state *view, const struct snapshot *snap, int screen_rows);

/* Applies @key with @snap on a screen of @screen_rows. */
enum view_reaction view_apply(struct view_state *view, int key, const struct snapshot *snap,
			      int screen_rows);

void view_message(struct view_state *view, const char *text);

/* Whether pick list choice @i matches what is typed. */
bool view_pick_matches(const struct view_state *view, size_t i);

void view_render(const struct snapshot *snap, const struct view_state *view, struct grid *grid);

/*
 * view_sync() and then view_render() into @grid (its rows are the screen's), with the rows listed
 * and sorted once for both: what a new frame or a resize does.
 */
void view_show(struct view_state *view, const struct snapshot *snap, struct grid *grid);

/* view_render() with the rows view_rows() gives for the main table (NULL: it lists them). */
void view_render_rows(const struct snapshot *snap, const struct view_state *view,
		      const struct view_rows *rows, struct grid *grid);

/* Lines of the detail or the help overlay, for scrolling it. */
size_t view_overlay_length(const struct snapshot *snap, const struct view_state *view);

/* Rows of the body on a screen of @screen_rows. */
size_t view_body_rows(int screen_rows);

/* The rows the view lists now, or (@detail) the connections of the node in its detail. */
int view_rows(const struct view_state *view, const struct snapshot *snap, bool detail,
	      struct view_rows *rows);

/* The node of the detail in @snap, or NULL when it is gone. */
const struct snap_node *view_detail_node(const struct view_state *view,
					 const struct snapshot *snap);

#endif /* CONNTOP_VIEW_H */
