// SPDX-License-Identifier: GPL-2.0-only
/* Command line parsing: values, defaults and the one-line errors. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>

#include "export.h"
#include "options.h"

static char out_buf[4096], err_buf[4096];

static enum options_result parse(struct options *opts, int argc, char **argv)
{
	FILE *out = fmemopen(out_buf, sizeof(out_buf), "w");
	FILE *err = fmemopen(err_buf, sizeof(err_buf), "w");
	enum options_result r = options_parse(opts, argc, argv, out, err);

	fclose(out);
	fclose(err);
	return r;
}

#define PARSE(opts, ...)                                               \
	({                                                             \
		char *argv[] = { "conntop", __VA_ARGS__, NULL };       \
		parse(opts, sizeof(argv) / sizeof(argv[0]) - 1, argv); \
	})

static void defaults(void **state)
{
	struct options o;
	char *argv[] = { "conntop", NULL };

	(void)state;
	assert_int_equal(parse(&o, 1, argv), OPTIONS_RUN);
	assert_false(o.batch);
	assert_int_equal(o.iterations, 0);
	assert_true(o.delay_s == 2.0);
	assert_int_equal(o.ringbuf_size, 8 << 20);
	assert_null(o.output);
	assert_int_equal(o.format, -1); /* from -o's extension, text on stdout */
	assert_false(o.every);
	assert_null(o.record);
	assert_null(o.replay);
	assert_true(o.replay_speed == 1.0);
}

static void batch_flags_like_top(void **state)
{
	struct options o;

	(void)state;
	assert_int_equal(PARSE(&o, "-b", "-n", "3", "-d", "0.5"), OPTIONS_RUN);
	assert_true(o.batch);
	assert_int_equal(o.iterations, 3);
	assert_true(o.delay_s == 0.5);
	assert_int_equal(PARSE(&o, "--batch", "--iterations=7", "--delay=10", "-vv"), OPTIONS_RUN);
	assert_int_equal(o.iterations, 7);
	assert_int_equal(o.verbose, 2);
}

static void ringbuf_size_takes_suffixes_and_must_be_a_power_of_two(void **state)
{
	struct options o;

	(void)state;
	assert_int_equal(PARSE(&o, "--ringbuf-size", "64K"), OPTIONS_RUN);
	assert_int_equal(o.ringbuf_size, 64 << 10);
	assert_int_equal(PARSE(&o, "--ringbuf-size=16M"), OPTIONS_RUN);
	assert_int_equal(o.ringbuf_size, 16 << 20);
	assert_int_equal(PARSE(&o, "--ringbuf-size=3M"), OPTIONS_USAGE);
	assert_non_null(strstr(err_buf, "invalid ring buffer size '3M'"));
	assert_int_equal(PARSE(&o, "--ringbuf-size=-4K"), OPTIONS_USAGE);
	assert_int_equal(PARSE(&o, "--ringbuf-size=1K"), OPTIONS_USAGE); /* under a page */
}

static void table_limits_are_positive_and_bounded(void **state)
{
	struct options o;

	(void)state;
	assert_int_equal(PARSE(&o, "-b"), OPTIONS_RUN);
	assert_int_equal(o.max_conns, 0); /* 0: the tracker's default */
	assert_int_equal(PARSE(&o, "--max-connections", "1000", "--max-processes=10"), OPTIONS_RUN);
	assert_int_equal(o.max_conns, 1000);
	assert_int_equal(o.max_procs, 10);
	assert_int_equal(PARSE(&o, "--max-connections=0"), OPTIONS_USAGE);
	assert_non_null(strstr(err_buf, "invalid limit '0' (1 to 1073741824)"));
	assert_int_equal(PARSE(&o, "--max-connections=1073741825"), OPTIONS_USAGE);
	assert_int_equal(PARSE(&o, "--max-processes=4194305"), OPTIONS_USAGE);
	assert_non_null(strstr(err_buf, "(1 to 4194304)"));
	assert_int_equal(PARSE(&o, "--max-processes=1k"), OPTIONS_USAGE);
}

static void bad_values_give_one_clear_line(void **state)
{
	struct options o;

	(void)state;
	assert_int_equal(PARSE(&o, "-n", "0"), OPTIONS_USAGE);
	assert_non_null(strstr(err_buf, "invalid iteration count '0'"));
	assert_int_equal(PARSE(&o, "-d", "abc"), OPTIONS_USAGE);
	assert_non_null(strstr(err_buf, "invalid delay 'abc'"));
	assert_int_equal(PARSE(&o, "-d", "0.001"), OPTIONS_USAGE);
	assert_int_equal(PARSE(&o, "--frobnicate"), OPTIONS_USAGE);
	assert_non_null(strstr(err_buf, "unknown option '--frobnicate'"));
	assert_int_equal(PARSE(&o, "-n"), OPTIONS_USAGE);
	assert_non_null(strstr(err_buf, "needs a value"));
	assert_int_equal(PARSE(&o, "stray"), OPTIONS_USAGE);
	assert_non_null(strstr(err_buf, "unexpected argument 'stray'"));
}

static void traffic_modes(void **state)
{
	struct options o;

	(void)state;
	assert_int_equal(PARSE(&o, "--traffic=bpf"), OPTIONS_RUN);
	assert_int_equal(o.traffic, TRAFFIC_BPF);
	assert_int_equal(PARSE(&o, "--traffic", "bpf-hash"), OPTIONS_RUN);
	assert_int_equal(o.traffic, TRAFFIC_BPF_HASH);
	assert_int_equal(PARSE(&o, "--traffic=sockdiag"), OPTIONS_RUN);
	assert_int_equal(o.traffic, TRAFFIC_SOCKDIAG);
	assert_int_equal(PARSE(&o, "--traffic=hash"), OPTIONS_USAGE);
	assert_non_null(strstr(
		err_buf, "invalid traffic mode 'hash' (auto, bpf, bpf-hash, sockdiag or off)"));
}

static void filters(void **state)
{
	struct options o;

	(void)state;
	assert_int_equal(PARSE(&o, "-b"), OPTIONS_RUN);
	assert_int_equal(o.port, -1);
	assert_int_equal(o.pid, 0);
	assert_null(o.container);
	assert_int_equal(PARSE(&o, "--port", "443", "--pid=12", "--container", "web-1"),
			 OPTIONS_RUN);
	assert_int_equal(o.port, 443);
	assert_int_equal(o.pid, 12);
	assert_string_equal(o.container, "web-1");
	assert_int_equal(PARSE(&o, "--port=65536"), OPTIONS_USAGE);
	assert_non_null(strstr(err_buf, "invalid port '65536'"));
	assert_int_equal(PARSE(&o, "--pid=-3"), OPTIONS_USAGE);
	assert_int_equal(PARSE(&o, "--container="), OPTIONS_USAGE);
}

static void output_keeps_its_file(void **state)
{
	struct options o;

	(void)state;
	assert_int_equal(PARSE(&o, "-o", "snap.json"), OPTIONS_RUN);
	assert_string_equal(o.output, "snap.json");
	assert_int_equal(o.format, -1); /* the extension decides, later */
	assert_false(o.every);
	assert_int_equal(PARSE(&o, "--output=/tmp/a b.txt"), OPTIONS_RUN);
	assert_string_equal(o.output, "/tmp/a b.txt");
	assert_int_equal(PARSE(&o, "--output", "x.dot", "-o", "y.gv"), OPTIONS_RUN);
	assert_string_equal(o.output, "y.gv"); /* the last one wins */
	assert_int_equal(PARSE(&o, "-o", ""), OPTIONS_USAGE);
	assert_non_null(strstr(err_buf, "invalid output file ''"));
	assert_int_equal(PARSE(&o, "--output="), OPTIONS_USAGE);
	assert_non_null(strstr(err_buf, "invalid output file ''"));
	assert_int_equal(PARSE(&o, "-o"), OPTIONS_USAGE);
	assert_non_null(strstr(err_buf, "needs a value"));
}

static void format_is_one_of_three_in_any_case(void **state)
{
	struct options o;

	(void)state;
	assert_int_equal(PARSE(&o, "--format", "text"), OPTIONS_RUN);
	assert_int_equal(o.format, EXPORT_TEXT);
	assert_int_equal(PARSE(&o, "--format=json"), OPTIONS_RUN);
	assert_int_equal(o.format, EXPORT_JSON);
	assert_int_equal(PARSE(&o, "--format=JSON", "-b"), OPTIONS_RUN);
	assert_int_equal(o.format, EXPORT_JSON);
	assert_int_equal(PARSE(&o, "--format=Text"), OPTIONS_RUN);
	assert_int_equal(o.format, EXPORT_TEXT);
	assert_int_equal(PARSE(&o, "--format", "dot", "-o", "graph.gv"), OPTIONS_RUN);
	assert_int_equal(o.format, EXPORT_DOT);
	assert_string_equal(o.output, "graph.gv");
	assert_int_equal(PARSE(&o, "-o", "graph.txt", "--format=DOT"), OPTIONS_RUN);
	assert_int_equal(o.format, EXPORT_DOT);

	assert_int_equal(PARSE(&o, "--format=xml"), OPTIONS_USAGE);
	assert_non_null(strstr(err_buf, "invalid format 'xml' (text, json or dot)"));
	assert_int_equal(PARSE(&o, "--format="), OPTIONS_USAGE);
	assert_non_null(strstr(err_buf, "invalid format '' (text, json or dot)"));
	assert_int_equal(PARSE(&o, "--format", "jsonl", "-o", "x"), OPTIONS_USAGE);
	assert_non_null(strstr(err_buf, "invalid format 'jsonl'"));
	assert_int_equal(PARSE(&o, "--format"), OPTIONS_USAGE);
	assert_non_null(strstr(err_buf, "needs a value"));
}

static void every_and_dot_need_an_output_file(void **state)
{
	struct options o;

	(void)state;
	assert_int_equal(PARSE(&o, "--every"), OPTIONS_USAGE);
	assert_non_null(strstr(err_buf, "--every needs -o FILE"));
	assert_int_equal(PARSE(&o, "-b", "--every", "--format=json"), OPTIONS_USAGE);
	assert_non_null(strstr(err_buf, "--every needs -o FILE"));
	assert_int_equal(PARSE(&o, "--every", "-o", "snap.json"), OPTIONS_RUN); /* in any order */
	assert_true(o.every);
	assert_string_equal(o.output, "snap.json");

	assert_int_equal(PARSE(&o, "--format=dot"), OPTIONS_USAGE);
	assert_non_null(strstr(err_buf, "--format dot needs -o FILE"));
	assert_int_equal(PARSE(&o, "-b", "--format", "Dot"), OPTIONS_USAGE);
	assert_non_null(strstr(err_buf, "--format dot needs -o FILE"));
	/* Text and JSON frames go to stdout without -o. */
	assert_int_equal(PARSE(&o, "-b", "--format=json"), OPTIONS_RUN);
	assert_null(o.output);
	assert_int_equal(PARSE(&o, "-b", "--format=text"), OPTIONS_RUN);
}

static void record_and_replay(void **state)
{
	struct options o;

	(void)state;
	assert_int_equal(PARSE(&o, "--record", "run.rec"), OPTIONS_RUN);
	assert_string_equal(o.record, "run.rec");
	assert_null(o.replay);
	assert_int_equal(PARSE(&o, "--replay=run.rec", "-b", "--format=json"), OPTIONS_RUN);
	assert_string_equal(o.replay, "run.rec");
	assert_null(o.record);
	assert_true(o.replay_speed == 1.0);
	assert_int_equal(PARSE(&o, "--record=a.rec", "--replay=b.rec"), OPTIONS_USAGE);
	assert_non_null(strstr(err_buf, "--record and --replay do not go together"));
	assert_int_equal(PARSE(&o, "--replay", "b.rec", "--record", "a.rec"), OPTIONS_USAGE);
	assert_non_null(strstr(err_buf, "--record and --replay do not go together"));
	assert_int_equal(PARSE(&o, "--record"), OPTIONS_USAGE);
	assert_non_null(strstr(err_buf, "needs a value"));
}

static void replay_speed_from_zero(void **state)
{
	struct options o;

	(void)state;
	assert_int_equal(PARSE(&o, "--replay=r", "--replay-speed", "0"), OPTIONS_RUN);
	assert_true(o.replay_speed == 0.0); /* at once */
	assert_int_equal(PARSE(&o, "--replay=r", "--replay-speed=2.5"), OPTIONS_RUN);
	assert_true(o.replay_speed == 2.5);
	assert_int_equal(PARSE(&o, "--replay=r", "--replay-speed=0.1"), OPTIONS_RUN);
	assert_true(o.replay_speed == 0.1);
	assert_int_equal(PARSE(&o, "--replay-speed=-1"), OPTIONS_USAGE);
	assert_non_null(strstr(err_buf, "invalid replay speed '-1'"));
	assert_int_equal(PARSE(&o, "--replay-speed", "fast"), OPTIONS_USAGE);
	assert_non_null(strstr(err_buf, "invalid replay speed 'fast'"));
	assert_int_equal(PARSE(&o, "--replay-speed="), OPTIONS_USAGE);
	assert_int_equal(PARSE(&o, "--replay-speed=2x"), OPTIONS_USAGE);
	assert_int_equal(PARSE(&o, "--replay-speed=nan"), OPTIONS_USAGE);
	assert_int_equal(PARSE(&o, "--replay-speed=inf"), OPTIONS_USAGE);
	assert_int_equal(PARSE(&o, "--replay-speed=-0.5"), OPTIONS_USAGE);
}

static void help_and_version(void **state)
{
	struct options o;

	(void)state;
	assert_int_equal(PARSE(&o, "--help"), OPTIONS_EXIT);
	assert_non_null(strstr(out_buf, "Usage: conntop"));
	assert_non_null(strstr(out_buf, "--ringbuf-size"));
	assert_non_null(strstr(out_buf, "--output=FILE"));
	assert_non_null(strstr(out_buf, "--format=FORMAT"));
	assert_non_null(strstr(out_buf, "--every"));
	assert_non_null(strstr(out_buf, "--record=FILE"));
	assert_non_null(strstr(out_buf, "--replay=FILE"));
	assert_non_null(strstr(out_buf, "--replay-speed=X"));
	assert_int_equal(PARSE(&o, "-V"), OPTIONS_EXIT);
	assert_non_null(strstr(out_buf, "conntop " CONNTOP_VERSION));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(batch_flags_like_top),
		cmocka_unit_test(ringbuf_size_takes_suffixes_and_must_be_a_power_of_two),
		cmocka_unit_test(table_limits_are_positive_and_bounded),
		cmocka_unit_test(bad_values_give_one_clear_line),
		cmocka_unit_test(traffic_modes),
		cmocka_unit_test(filters),
		cmocka_unit_test(output_keeps_its_file),
		cmocka_unit_test(format_is_one_of_three_in_any_case),
		cmocka_unit_test(every_and_dot_need_an_output_file),
		cmocka_unit_test(record_and_replay),
		cmocka_unit_test(replay_speed_from_zero),
		cmocka_unit_test(help_and_version),
	};

	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
