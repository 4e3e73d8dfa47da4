// SPDX-License-Identifier: GPL-2.0-only
/* The view as a pure function: snapshots built in code, rendered into grids of several sizes. */
#include "test_util.h"

#include <locale.h>
#include <stdlib.h>

#include "keys.h"
#include "snapshot.h"
#include "tracker.h"
#include "view.h"

#define NOW_NS (10 * SEC_NS)

struct fixture {
	struct tracker *tracker;
	struct snapshot *snap;
	struct grid *grid;
};

static struct fixture *fixture_new(int rows, int cols)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->tracker = tracker__new(NULL);
	f->grid = grid__new(rows, cols);
	return f;
}

static void add(struct fixture *f, struct ct_event e)
{
	tracker_apply(f->tracker, &e);
}

static void render(struct fixture *f, size_t scroll)
{
	struct view_state view = { .scroll = scroll };

	snapshot__free(f->snap);
	f->snap =
		snapshot_take(&(struct snapshot_input){ .tracker = f->tracker, .now_ns = NOW_NS });
	view_render(f->snap, &view, f->grid);
}

static const char *row(struct fixture *f, int r)
{
	static char buf[1024];

	grid_row_text(f->grid, r, buf, sizeof(buf));
	return buf;
}

static void fixture_free(struct fixture *f)
{
	snapshot__free(f->snap);
	grid__free(f->grid);
	tracker__free(f->tracker);
	free(f);
}

static void empty_state_says_so(void **state)
{
	struct fixture *f = fixture_new(24, 80);

	(void)state;
	render(f, 0);
	assert_non_null(strstr(row(f, 0), "events: 0  lost: 0  active: 0"));
	assert_string_equal(row(f, 2),
			    "    PID COMM            DIR LOCAL           REMOTE          "
			    "STATE          AGE");
	assert_non_null(strstr(row(f, 3), "No TCP connections yet"));
	assert_string_equal(row(f, 23), "qQuit");
	assert_int_equal(f->grid->cells[23 * 80 + 79].role, ROLE_FOOTER);
	fixture_free(f);
}

static void rows_show_pid_direction_addresses_and_age(void **state)
{
	struct fixture *f = fixture_new(24, 80);

	(void)state;
	add(f, test_event_addr(CT_EV_ACCEPT, 1, 300, "nginx", "10.0.0.1", 80, "10.0.0.2", 51000));
	add(f, test_event_addr(CT_EV_CONNECT, 2, 400, "curl", "10.0.0.2", 51000, "10.0.0.1", 80));
	render(f, 0);
	assert_string_equal(row(f, 3), "    300 nginx           in  10.0.0.1:80     "
				       "10.0.0.2:51000  ESTABLISHED   9.0s");
	assert_string_equal(row(f, 4), "    400 curl            out 10.0.0.2:51000  "
				       "10.0.0.1:80     ESTABLISHED   9.0s");
	fixture_free(f);
}

static void closed_rows_read_closed_and_sort_last(void **state)
{
	struct fixture *f = fixture_new(24, 80);
	struct ct_event close = test_event(CT_EV_CLOSE, 1, 3 * SEC_NS, 0, NULL);

	(void)state;
	add(f, test_event_addr(CT_EV_CONNECT, 1, 100, "a", "10.0.0.2", 1000, "10.0.0.1", 80));
	add(f, test_event_addr(CT_EV_CONNECT, 2, 200, "b", "10.0.0.2", 1001, "10.0.0.1", 80));
	add(f, close);
	render(f, 0);
	assert_non_null(strstr(row(f, 3), "200 b"));
	assert_non_null(strstr(row(f, 4), "100 a"));
	assert_non_null(strstr(row(f, 4), "CLOSED        2.0s"));
	assert_int_equal(f->grid->cells[4 * 80].role, ROLE_CLOSED);
	fixture_free(f);
}

static void hostile_name_is_inert(void **state)
{
	struct fixture *f = fixture_new(24, 80);

	(void)state;
	add(f,
	    test_event_addr(CT_EV_CONNECT, 1, 100, "\x1b]0;pwn\x07", "10.0.0.2", 1, "10.0.0.1", 2));
	render(f, 0);
	assert_non_null(strstr(row(f, 3), "\\x1b]0;pwn\\x07"));
	for (int c = 0; c < 80; c++)
		assert_true(f->grid->cells[3 * 80 + c].ch >= 0x20);
	fixture_free(f);
}

static void ipv6_addresses_widen_their_columns(void **state)
{
	struct fixture *f = fixture_new(24, 140);

	(void)state;
	add(f, test_event_addr(CT_EV_CONNECT, 1, 100, "a", "fd00:1234:5678:9abc::10", 40000, "::1",
			       443));
	render(f, 0);
	assert_non_null(strstr(row(f, 3), "[fd00:1234:5678:9abc::10]:40000 [::1]:443"));
	fixture_free(f);
}

static void narrow_screen_truncates_without_overflow(void **state)
{
	struct fixture *f = fixture_new(12, 40);

	(void)state;
	add(f, test_event_addr(CT_EV_CONNECT, 1, 123456, "averyveryverylongname", "10.0.0.2", 1,
			       "10.0.0.1", 2));
	render(f, 0);
	/* The name gives way first, then the columns past the edge are clipped. */
	assert_string_equal(row(f, 3), " 123456 averyver out 10.0.0.2:1      10.");
	assert_string_equal(row(f, 11), "qQuit");
	fixture_free(f);
}

static void scrolling_stays_in_range(void **state)
{
	struct fixture *f = fixture_new(12, 80); /* 8 rows of connections */
	struct view_state view = { 0 };
	__u64 i;

	(void)state;
	for (i = 1; i <= 20; i++)
		add(f, test_event_addr(CT_EV_CONNECT, i, 1000 + i, "c", "10.0.0.2", i, "10.0.0.1",
				       80));
	assert_int_equal(view_apply(&view, UI_KEY_END, 12, 20), VIEW_REDRAW);
	assert_int_equal(view.scroll, 12);
	view_apply(&view, UI_KEY_DOWN, 12, 20);
	assert_int_equal(view.scroll, 12);
	view_apply(&view, UI_KEY_PGUP, 12, 20);
	assert_int_equal(view.scroll, 4);
	view_apply(&view, UI_KEY_HOME, 12, 20);
	view_apply(&view, UI_KEY_UP, 12, 20);
	assert_int_equal(view.scroll, 0);
	view_apply(&view, UI_KEY_PGDN, 12, 20);
	assert_int_equal(view.scroll, 8);
	render(f, view.scroll);
	assert_non_null(strstr(row(f, 3), "1009 c"));
	/* Fewer rows than the screen holds: no scrolling at all. */
	view_apply(&view, UI_KEY_END, 24, 5);
	assert_int_equal(view.scroll, 0);
	fixture_free(f);
}

static void quit_keys(void **state)
{
	struct view_state view = { 0 };

	(void)state;
	assert_int_equal(view_apply(&view, 'q', 24, 0), VIEW_QUIT);
	assert_int_equal(view_apply(&view, UI_KEY_F10, 24, 0), VIEW_QUIT);
	assert_int_equal(view_apply(&view, 'x', 24, 0), VIEW_NOTHING);
}

static void tiny_screens_do_not_crash(void **state)
{
	struct fixture *f = fixture_new(2, 5);

	(void)state;
	add(f, test_event_addr(CT_EV_CONNECT, 1, 1, "a", "10.0.0.2", 1, "10.0.0.1", 2));
	render(f, 0);
	assert_string_equal(row(f, 0), "connt");
	fixture_free(f);
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
		cmocka_unit_test(rows_show_pid_direction_addresses_and_age),
		cmocka_unit_test(closed_rows_read_closed_and_sort_last),
		cmocka_unit_test(hostile_name_is_inert),
		cmocka_unit_test(ipv6_addresses_widen_their_columns),
		cmocka_unit_test(narrow_screen_truncates_without_overflow),
		cmocka_unit_test(scrolling_stays_in_range),
		cmocka_unit_test(quit_keys),
		cmocka_unit_test(tiny_screens_do_not_crash),
		cmocka_unit_test(wide_characters_are_not_cut_in_half),
	};

	setlocale(LC_ALL, "C.UTF-8");
	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests_name("view", tests, NULL, NULL);
}
