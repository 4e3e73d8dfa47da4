/* SPDX-License-Identifier: GPL-2.0-only */
/* Command line options, parsed with getopt_long the way top and ss users expect. */
#ifndef CONNTOP_OPTIONS_H
#define CONNTOP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit statuses, as the man page documents them. */
#define EXIT_RUNTIME 1
#define EXIT_USAGE   2

/* The refresh interval's bounds, for -d and for the view's `d` key. */
#define OPTIONS_MIN_DELAY_S 0.05
#define OPTIONS_MAX_DELAY_S 3600.0

/* The largest table limits accepted: the tracker's index is 32-bit, processes far fewer. */
#define OPTIONS_MAX_CONNECTIONS (1L << 30)
#define OPTIONS_MAX_PROCESSES	(1L << 22)

struct options {
	bool batch; /* -b: text frames on stdout instead of the screen */
	long iterations; /* -n: frames before exiting; 0 runs until stopped */
	double delay_s; /* -d: seconds between frames */
	size_t ringbuf_size; /* --ringbuf-size, bytes */
	double heal_s; /* --heal-interval: seconds between healing passes; 0 never */
	int verbose; /* -v, repeatable */
	int port; /* --port: show only this port; -1 all */
	long pid; /* --pid: show only this process; 0 all */
	const char
		*container; /* --container: only this container (name, pod, id prefix); NULL all */
	const char *output; /* -o: a snapshot written there at exit (each frame with --every) */
	int format; /* --format: enum export_format; -1 from -o's extension, text on stdout */
	bool every; /* --every: write -o at every frame */
	const char *record; /* --record: the tracker's inputs and the frames, to replay */
	const char *replay; /* --replay: frames from a recording instead of the kernel */
	double replay_speed; /* --replay-speed: 1 as recorded, 2 twice as fast; 0 at once */
	int traffic; /* --traffic: enum traffic_mode */
	int source; /* --source: enum source_choice (live.h) */
	int transport; /* --transport: enum transport (source.h) */
	int hooks; /* --hooks: enum hooks (source.h) */
	size_t max_conns; /* --max-connections: sockets tracked at most; 0 the default */
	size_t max_procs; /* --max-processes: processes kept at most; 0 the default */
};

enum options_result {
	OPTIONS_RUN, /* go on with @opts */
	OPTIONS_EXIT, /* --help or --version was printed: exit 0 */
	OPTIONS_USAGE, /* an error was printed: exit EXIT_USAGE */
};

/* Help and version go to @out, errors (one line) to @err. */
enum options_result options_parse(struct options *opts, int argc, char **argv, FILE *out,
				  FILE *err);

/* Parses "4096", "64K", "8M", "1G" (powers of 1024). 0 or -EINVAL. */
int parse_size(const char *text, size_t *size);

#endif /* CONNTOP_OPTIONS_H */
