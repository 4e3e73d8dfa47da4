// SPDX-License-Identifier: GPL-2.0-only
/* Command line parsing: values, defaults and the one-line errors. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>

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

static void help_and_version(void **state)
{
	struct options o;

	(void)state;
	assert_int_equal(PARSE(&o, "--help"), OPTIONS_EXIT);
	assert_non_null(strstr(out_buf, "Usage: conntop"));
	assert_non_null(strstr(out_buf, "--ringbuf-size"));
	assert_int_equal(PARSE(&o, "-V"), OPTIONS_EXIT);
	assert_non_null(strstr(out_buf, "conntop " CONNTOP_VERSION));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(batch_flags_like_top),
		cmocka_unit_test(ringbuf_size_takes_suffixes_and_must_be_a_power_of_two),
		cmocka_unit_test(bad_values_give_one_clear_line),
		cmocka_unit_test(filters),
		cmocka_unit_test(help_and_version),
	};

	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
