// SPDX-License-Identifier: GPL-2.0-only
/* The rows a view lists, sorted by each column either way: ties keep the order rows were built. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>

#include "rows.h"
#include "snapshot.h"
#include "topology.h"
#include "tracker.h"

/* Many connections that tie often: few pids, ports and byte counts, some closed. */
static void fill(struct tracker *t)
{
	unsigned int seed = 11, i;

	for (i = 1; i <= 600; i++) {
		struct ct_event e;
		struct ct_traffic traffic;
		char addr[32];
		__u32 pid;

		seed = seed * 1103515245 + 12345;
		pid = (seed >> 8) % 7 ? 100 + (seed >> 12) % 9 : 0;
		snprintf(addr, sizeof(addr), "10.0.%u.%u", (seed >> 16) % 3, (seed >> 20) % 12);
		e = test_event_addr(seed >> 24 & 1 ? CT_EV_ACCEPT : CT_EV_CONNECT, i, pid,
				    pid ? (seed >> 25 & 1 ? "alpha" : "beta") : NULL, addr,
				    (__u16)(1000 + (seed >> 10) % 5), "10.9.0.1",
				    (__u16)(80 + (seed >> 14) % 3));
		e.ts_ns = SEC_NS + (seed >> 4) % 4 * SEC_NS;
		tracker_apply(t, &e);
		traffic = (struct ct_traffic){ .bytes_sent = (seed >> 6) % 4 * 1000,
					       .bytes_received = (seed >> 9) % 3 * 2048,
					       .retransmits = (seed >> 11) % 2 };
		tracker_set_traffic(t, i, &traffic, true);
		if ((seed >> 26) % 5 == 0) {
			e = test_event(CT_EV_CLOSE, i, 6 * SEC_NS, 0, NULL);
			tracker_apply(t, &e);
		}
	}
}

/* The position a row was built at, for ties: its index into what the table lists. */
static void check_order(const struct view_rows *rows, const struct view_column *col,
			bool descending)
{
	char a[256], b[256];
	size_t i;

	for (i = 1; i < rows->nrows; i++) {
		const struct view_row *x = &rows->rows[i - 1], *y = &rows->rows[i];
		int c;

		if (col->number) {
			double p = col->number(rows, x), q = col->number(rows, y);

			c = (p > q) - (p < q);
		} else {
			col->text(rows, x, a, sizeof(a));
			col->text(rows, y, b, sizeof(b));
			a[63] = b[63] = '\0'; /* sorted on what the key holds */
			c = strcmp(a, b);
		}
		if (descending)
			c = -c;
		if (c > 0 || (c == 0 && x->index > y->index))
			fail_msg("column %s%s: rows %zu and %zu out of order", col->title,
				 descending ? " descending" : "", i - 1, i);
	}
}

static void every_column_sorts_both_ways(void **state)
{
	struct tracker *t = tracker__new(NULL);
	struct topology *topo = topology__new(1024);
	struct snapshot *snap;
	int table, ncols, col, down;

	(void)state;
	fill(t);
	assert_int_equal(topology_update(topo, t), 0);
	snap = snapshot_take(
		&(struct snapshot_input){ .tracker = t, .topology = topo, .now_ns = 8 * SEC_NS });
	assert_non_null(snap);
	for (table = TABLE_NODES; table <= TABLE_CONNS; table++) {
		const struct view_column *cols = rows_columns(table, GROUP_CONTAINER, &ncols);

		for (col = 0; col < ncols; col++)
			for (down = 0; down < 2; down++) {
				struct rows_query q = { .table = table,
							.group = GROUP_CONTAINER,
							.sort_column = col,
							.descending = down };
				struct view_rows rows;

				assert_int_equal(rows_build(&rows, snap, &q), 0);
				assert_true(rows.nrows > 1 || table == TABLE_GROUPS);
				check_order(&rows, &cols[col], down);
				rows_release(&rows);
			}
	}
	snapshot__free(snap);
	topology__free(topo);
	tracker__free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_column_sorts_both_ways),
	};

	return cmocka_run_group_tests_name("rows", tests, NULL, NULL);
}
