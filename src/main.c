// SPDX-License-Identifier: GPL-2.0-only
/* conntop: htop for TCP connections. main is the list of steps; the work is in app.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "log.h"
#include "options.h"

int main(int argc, char **argv)
{
	struct options opts;

	switch (options_parse(&opts, argc, argv, stdout, stderr)) {
	case OPTIONS_EXIT: /* the help or the version: 0 only if it was written */
		if (fflush(stdout) || ferror(stdout)) {
			fprintf(stderr, "conntop: failed to write to stdout: %s\n",
				strerror(errno));
			return EXIT_RUNTIME;
		}
		return 0;
	case OPTIONS_USAGE:
		return EXIT_USAGE;
	case OPTIONS_RUN:
		break;
	}
	log_set_level(opts.verbose >= 2 ? LOG_DEBUG : opts.verbose ? LOG_INFO : LOG_WARN);
	return app_run(&opts);
}
