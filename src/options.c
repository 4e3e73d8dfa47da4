// SPDX-License-Identifier: GPL-2.0-only
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "bpf_loader.h"
#include "export.h"
#include "live.h"

enum long_only_option {
	OPT_RINGBUF_SIZE = 256,
	OPT_HEAL_INTERVAL,
	OPT_PORT,
	OPT_PID,
	OPT_CONTAINER,
	OPT_FORMAT,
	OPT_EVERY,
	OPT_RECORD,
	OPT_REPLAY,
	OPT_REPLAY_SPEED,
	OPT_TRAFFIC,
	OPT_SOURCE,
	OPT_TRANSPORT,
	OPT_HOOKS,
	OPT_MAX_CONNECTIONS,
	OPT_MAX_PROCESSES,
};

static const struct option long_options[] = {
	{ "batch", no_argument, NULL, 'b' },
	{ "iterations", required_argument, NULL, 'n' },
	{ "delay", required_argument, NULL, 'd' },
	{ "ringbuf-size", required_argument, NULL, OPT_RINGBUF_SIZE },
	{ "heal-interval", required_argument, NULL, OPT_HEAL_INTERVAL },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "container", required_argument, NULL, OPT_CONTAINER },
	{ "output", required_argument, NULL, 'o' },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "every", no_argument, NULL, OPT_EVERY },
	{ "record", required_argument, NULL, OPT_RECORD },
	{ "replay", required_argument, NULL, OPT_REPLAY },
	{ "replay-speed", required_argument, NULL, OPT_REPLAY_SPEED },
	{ "traffic", required_argument, NULL, OPT_TRAFFIC },
	{ "source", required_argument, NULL, OPT_SOURCE },
	{ "transport", required_argument, NULL, OPT_TRANSPORT },
	{ "hooks", required_argument, NULL, OPT_HOOKS },
	{ "max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS },
	{ "max-processes", required_argument, NULL, OPT_MAX_PROCESSES },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void print_help(FILE *out)
{
	fprintf(out,
		"Usage: conntop [OPTION]...\n"
		"Watch TCP connections open and close, live, like htop.\n"
		"\n"
		"  -b, --batch             print text frames to stdout instead of the screen\n"
		"  -n, --iterations=N      exit after N frames\n"
		"  -d, --delay=SECONDS     time between frames (default 2, fractions allowed)\n"
		"      --ringbuf-size=SIZE BPF ring buffer size, a power of two (default 8M)\n"
		"      --heal-interval=SECONDS  time between passes that compare with the "
		"kernel's\n"
		"                          socket tables and correct what was lost (default 5, 0 "
		"off)\n"
		"      --port=PORT         show only connections and edges on this port\n"
		"      --pid=PID           show only this process's connections and edges\n"
		"      --container=NAME    show only this container's (name, pod or id prefix)\n"
		"  -o, --output=FILE       write a snapshot to FILE at exit, replaced whole\n"
		"      --every             ... and at every frame\n"
		"      --format=FORMAT     text, json or dot, for -o (default from FILE's\n"
		"                          extension) and for -b (json: one document per line)\n"
		"      --record=FILE       record the events and frames, to replay later\n"
		"      --replay=FILE       show a recording instead of the kernel (no root "
		"needed)\n"
		"      --replay-speed=X    1 as recorded (default), 2 twice as fast, 0 at once\n"
		"      --source=FROM       auto (default: eBPF, else /proc polling), ebpf or proc\n"
		"      --traffic=HOW       bytes per connection: auto (default), bpf (counted in\n"
		"                          the kernel), bpf-hash (the same, in one hash map: the\n"
		"                          fallback), sockdiag (read at each refresh) or off\n"
		"      --transport=HOW     how records reach conntop: auto (default: the BPF ring\n"
		"                          buffer, else perf buffers), ringbuf or perfbuf\n"
		"      --hooks=KIND        kernel hooks: auto (default: the best the kernel has),\n"
		"                          tracepoint, fentry or kprobe; or exactly tp_btf,\n"
		"                          raw_tp or tp\n"
		"      --max-connections=N sockets tracked at most (default 1048576); more are\n"
		"                          dropped and counted as \"table full\"\n"
		"      --max-processes=N   processes kept at most (default 262144), the same\n"
		"                          way\n"
		"  -v, --verbose           explain failures in detail (libbpf and verifier logs)\n"
		"  -h, --help              show this help and exit\n"
		"  -V, --version           show the version and exit\n"
		"\n"
		"Keys on the screen: h help, q quit.\n"
		"Exit status: 0 ok, 1 runtime error, 2 usage error.\n");
}

int parse_size(const char *text, size_t *size)
{
	unsigned long long value, shift = 0;
	char *end;

	errno = 0;
	value = strtoull(text, &end, 10);
	if (errno || end == text || text[0] == '-')
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	}
	if (*end || value > (SIZE_MAX >> shift))
		return -EINVAL;
	*size = (size_t)(value << shift);
	return 0;
}

static int parse_long(const char *text, long min, long *value)
{
	char *end;

	errno = 0;
	*value = strtol(text, &end, 10);
	return errno || end == text || *end || *value < min ? -EINVAL : 0;
}

static int parse_seconds(const char *text, double min, double *value)
{
	char *end;

	errno = 0;
	*value = strtod(text, &end);
	if (errno || end == text || *end || !(*value >= min && *value <= OPTIONS_MAX_DELAY_S))
		return -EINVAL;
	return 0;
}

/* The index of @text in @names, or -1: for options that take one of a few words. */
static int parse_choice(const char *text, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(text, names[i]))
			return i;
	return -1;
}

#define CHOICE(text, names) parse_choice(text, names, (int)(sizeof(names) / sizeof(names[0])))

static int usage_error(FILE *err, const char *fmt, const char *arg)
{
	fprintf(err, "conntop: ");
	fprintf(err, fmt, arg);
	fprintf(err, "\nTry 'conntop --help' for more information.\n");
	return OPTIONS_USAGE;
}

/* Options that make no sense together, said before anything starts. */
static enum options_result check_combinations(const struct options *opts, FILE *err)
{
	if (opts->record && opts->replay)
		return usage_error(err, "%s", "--record and --replay do not go together");
	if (opts->every && !opts->output)
		return usage_error(err, "%s", "--every needs -o FILE");
	if (opts->format == EXPORT_DOT && !opts->output)
		return usage_error(
			err, "%s",
			"--format dot needs -o FILE (frames on stdout are text or json)");
	return OPTIONS_RUN;
}

enum options_result options_parse(struct options *opts, int argc, char **argv, FILE *out, FILE *err)
{
	int c;

	*opts = (struct options){
		.delay_s = 2.0,
		.heal_s = 5.0,
		.port = -1,
		.ringbuf_size = BPF_DEFAULT_RINGBUF_SIZE,
		.format = -1,
		.replay_speed = 1.0,
	};
	optind = 0; /* also resets getopt's state, so tests can parse again */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":bn:d:o:vhV", long_options, NULL)) != -1) {
		switch (c) {
		case 'b':
			opts->batch = true;
			break;
		case 'n':
			if (parse_long(optarg, 1, &opts->iterations))
				return usage_error(err, "invalid iteration count '%s'", optarg);
			break;
		case 'd':
			if (parse_seconds(optarg, OPTIONS_MIN_DELAY_S, &opts->delay_s))
				return usage_error(err, "invalid delay '%s' (0.05 to 3600 seconds)",
						   optarg);
			break;
		case OPT_RINGBUF_SIZE:
			if (parse_size(optarg, &opts->ringbuf_size) ||
			    bpf_check_ringbuf_size(opts->ringbuf_size))
				return usage_error(err,
						   "invalid ring buffer size '%s' (a power of two "
						   "from 4K to 1G)",
						   optarg);
			break;
		case OPT_HEAL_INTERVAL:
			if (parse_seconds(optarg, 0, &opts->heal_s) ||
			    (opts->heal_s > 0 && opts->heal_s < OPTIONS_MIN_DELAY_S))
				return usage_error(err,
						   "invalid heal interval '%s' (0, or 0.05 to 3600 "
						   "seconds)",
						   optarg);
			break;
		case OPT_PORT: {
			long port;

			if (parse_long(optarg, 1, &port) || port > 65535)
				return usage_error(err, "invalid port '%s' (1 to 65535)", optarg);
			opts->port = (int)port;
			break;
		}
		case OPT_PID:
			if (parse_long(optarg, 1, &opts->pid) || opts->pid > INT32_MAX)
				return usage_error(err, "invalid pid '%s'", optarg);
			break;
		case OPT_CONTAINER:
			if (!optarg[0] || strlen(optarg) >= 200)
				return usage_error(err,
						   "invalid container '%s' (1 to 199 characters)",
						   optarg);
			opts->container = optarg;
			break;
		case 'o':
			if (!optarg[0])
				return usage_error(err, "invalid output file '%s'", optarg);
			opts->output = optarg;
			break;
		case OPT_FORMAT: {
			enum export_format format;

			if (export_format_parse(optarg, &format))
				return usage_error(err, "invalid format '%s' (text, json or dot)",
						   optarg);
			opts->format = (int)format;
			break;
		}
		case OPT_EVERY:
			opts->every = true;
			break;
		case OPT_RECORD:
		case OPT_REPLAY:
			if (!optarg[0])
				return usage_error(err, "option '%s' needs a file",
						   argv[optind - 1]);
			*(c == OPT_RECORD ? &opts->record : &opts->replay) = optarg;
			break;
		case OPT_SOURCE: {
			static const char *const sources[] = { [SOURCE_AUTO] = "auto",
							       [SOURCE_EBPF] = "ebpf",
							       [SOURCE_PROC] = "proc" };

			opts->source = CHOICE(optarg, sources);
			if (opts->source < 0)
				return usage_error(err, "invalid source '%s' (auto, ebpf or proc)",
						   optarg);
			break;
		}
		case OPT_TRAFFIC: {
			static const char *const modes[] = { [TRAFFIC_AUTO] = "auto",
							     [TRAFFIC_BPF] = "bpf",
							     [TRAFFIC_SOCKDIAG] = "sockdiag",
							     [TRAFFIC_OFF] = "off",
							     [TRAFFIC_BPF_HASH] = "bpf-hash" };

			opts->traffic = CHOICE(optarg, modes);
			if (opts->traffic < 0)
				return usage_error(err,
						   "invalid traffic mode '%s' (auto, bpf, "
						   "bpf-hash, sockdiag or off)",
						   optarg);
			break;
		}
		case OPT_TRANSPORT: {
			static const char *const transports[] = { [TRANSPORT_AUTO] = "auto",
								  [TRANSPORT_RINGBUF] = "ringbuf",
								  [TRANSPORT_PERFBUF] = "perfbuf" };

			opts->transport = CHOICE(optarg, transports);
			if (opts->transport < 0)
				return usage_error(
					err, "invalid transport '%s' (auto, ringbuf or perfbuf)",
					optarg);
			break;
		}
		case OPT_HOOKS: {
			static const char *const hooks[] = {
				[HOOKS_AUTO] = "auto",	   [HOOKS_TRACEPOINT] = "tracepoint",
				[HOOKS_FENTRY] = "fentry", [HOOKS_KPROBE] = "kprobe",
				[HOOKS_TP_BTF] = "tp_btf", [HOOKS_RAW_TP] = "raw_tp",
				[HOOKS_TP] = "tp"
			};

			opts->hooks = CHOICE(optarg, hooks);
			if (opts->hooks < 0)
				return usage_error(err,
						   "invalid hooks '%s' (auto, tracepoint, fentry, "
						   "kprobe, tp_btf, "
						   "raw_tp or tp)",
						   optarg);
			break;
		}
		case OPT_MAX_CONNECTIONS:
		case OPT_MAX_PROCESSES: {
			long limit, most = c == OPT_MAX_CONNECTIONS ? OPTIONS_MAX_CONNECTIONS :
								      OPTIONS_MAX_PROCESSES;

			if (parse_long(optarg, 1, &limit) || limit > most)
				return usage_error(err,
						   c == OPT_MAX_CONNECTIONS ?
							   "invalid limit '%s' (1 to 1073741824)" :
							   "invalid limit '%s' (1 to 4194304)",
						   optarg);
			*(c == OPT_MAX_CONNECTIONS ? &opts->max_conns : &opts->max_procs) =
				(size_t)limit;
			break;
		}
		case OPT_REPLAY_SPEED:
			if (parse_seconds(optarg, 0, &opts->replay_speed))
				return usage_error(err, "invalid replay speed '%s' (0 to 3600)",
						   optarg);
			break;
		case 'v':
			opts->verbose++;
			break;
		case 'h':
			print_help(out);
			return OPTIONS_EXIT;
		case 'V':
			fprintf(out, "conntop %s\n", CONNTOP_VERSION);
			return OPTIONS_EXIT;
		case ':':
			return usage_error(err, "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error(err, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error(err, "unexpected argument '%s'", argv[optind]);
	return check_combinations(opts, err);
}
