// SPDX-License-Identifier: GPL-2.0-only
#include "app.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bpf_loader.h"
#include "curses.h"
#include "events.h"
#include "export.h"
#include "filter.h"
#include "keys.h"
#include "log.h"
#include "loop.h"
#include "outfile.h"
#include "resolve.h"
#include "seed.h"
#include "snapshot.h"
#include "topology.h"
#include "tracker.h"
#include "view.h"

#define MAX_EDGES (1 << 18)
#define PROC_ROOT "" /* every reader takes a root path; conntop reads this system's */

struct app {
	const struct options *opts;
	struct tracker *tracker;
	struct topology *topology;
	struct resolver *resolver;
	struct seed_stats seed;
	struct bpf_source *source;
	struct loop *loop;
	struct ui *ui; /* NULL in batch mode */
	struct grid *grid;
	struct view_state view; /* its filter serves the batch frames too */
	struct snapshot *latest; /* the newest frame */
	struct snapshot *shown; /* the frame on screen: the newest, unless paused */
	struct utsname uts; /* host and kernel, for the header */
	long frames;
	int signal_fd;
	int timer_fd;
	int heal_fd; /* -1 when healing is off */
};

static int on_record(void *ctx, const void *data, size_t size)
{
	struct app *app = ctx;

	return events_apply(app->tracker, data, size);
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Fires every @seconds from now; -errno on failure. */
static int set_timer(int fd, double seconds)
{
	struct itimerspec spec;

	spec.it_interval.tv_sec = (time_t)seconds;
	spec.it_interval.tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9);
	spec.it_value = spec.it_interval;
	return timerfd_settime(fd, 0, &spec, NULL) ? -errno : 0;
}

/* A timer every @seconds; -errno on failure. */
static int open_timer_fd(double seconds)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK), err;

	if (fd < 0)
		return -errno;
	err = set_timer(fd, seconds);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

static int drain(struct app *app)
{
	int n = bpf_source__drain(app->source);

	if (n < 0)
		log_error("failed to read the ring buffer: %s", strerror(-n));
	return n < 0 ? n : 0;
}

/*
 * One pass over the kernel's socket tables. @initial seeds what was open before we looked; later
 * passes heal. The ring is drained between the dump and the comparison (see seed.h).
 */
static int seed_pass(struct app *app, bool initial)
{
	struct seed_scan scan;
	int err = seed_scan_run(&scan, PROC_ROOT, monotonic_ns());

	if (err) {
		log_warn("failed to list the TCP sockets of the namespaces: %s; connections opened "
			 "before start show only when they close",
			 strerror(-err));
		seed_scan_release(&scan);
		return 0; /* the live trace still works */
	}
	err = drain(app);
	if (!err) {
		if (initial)
			seed_apply_initial(app->tracker, &scan, PROC_ROOT);
		else
			seed_apply_heal(app->tracker, &scan, PROC_ROOT);
		seed_count(&app->seed, &scan);
	}
	seed_scan_release(&scan);
	return err;
}

static int on_heal(void *ctx)
{
	struct app *app = ctx;
	uint64_t expirations;

	if (read(app->heal_fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		return -errno;
	return seed_pass(app, false);
}

static int redraw(struct app *app)
{
	int rows, cols;

	ui_size(app->ui, &rows, &cols);
	if (!app->grid || app->grid->rows != rows || app->grid->cols != cols) {
		grid__free(app->grid);
		app->grid = grid__new(rows, cols);
		if (!app->grid)
			return 0; /* a 0x0 terminal: nothing to draw until it grows */
	}
	view_sync(&app->view, app->shown, rows); /* the selection within the new size */
	view_render(app->shown, &app->view, app->grid);
	ui_paint(app->ui, app->grid);
	return 0;
}

/* Puts @snap on screen; the one it replaces is freed unless it is also the newest. */
static void set_shown(struct app *app, struct snapshot *snap)
{
	if (app->shown != app->latest)
		snapshot__free(app->shown);
	app->shown = snap;
}

/* A batch frame: what the filter keeps, as text on stdout. */
static int print_frame(struct app *app)
{
	struct snapshot *snap = snapshot_filtered(app->latest, &app->view.filter);
	int err;

	if (!snap) {
		log_error("failed to filter a frame: out of memory");
		return -ENOMEM;
	}
	err = export_text(stdout, snap);
	snapshot__free(snap);
	if (err == -EPIPE) { /* the reader went away, as with `conntop -b | head` */
		loop_quit(app->loop, 0);
		return 0;
	}
	if (err)
		log_error("failed to write a frame: %s", strerror(-err));
	return err;
}

static int show(struct app *app, struct snapshot *snap)
{
	if (app->latest != app->shown)
		snapshot__free(app->latest);
	app->latest = snap;
	if (!app->ui)
		return print_frame(app);
	if (app->view.paused)
		return 0; /* counting goes on; the screen keeps its frame */
	set_shown(app, snap);
	return redraw(app);
}

static int frame(struct app *app)
{
	struct source_stats stats;
	struct snapshot_input in = {
		.tracker = app->tracker,
		.topology = app->topology,
		.resolver = app->resolver,
		.source = &stats,
		.seed = &app->seed,
		.prev = app->latest,
		.host = app->uts.nodename,
		.kernel = app->uts.release,
		.source_name = "eBPF, ring buffer",
		.source_kind = "ebpf",
	};
	struct snapshot *snap;
	int err;

	if ((err = drain(app)))
		return err;
	bpf_source__read_stats(app->source, &stats);
	resolver_update(app->resolver, app->tracker);
	if (topology_update(app->topology, app->tracker)) {
		log_error("failed to fold the connections into edges: out of memory");
		return -ENOMEM;
	}
	in.now_ns = monotonic_ns();
	clock_gettime(CLOCK_REALTIME, &in.wall);
	snap = snapshot_take(&in);
	if (!snap) {
		log_error("failed to take a snapshot: out of memory");
		return -ENOMEM;
	}
	err = show(app, snap);
	if (err)
		return err;
	tracker_end_frame(app->tracker);
	if (app->opts->iterations && ++app->frames >= app->opts->iterations)
		loop_quit(app->loop, 0);
	return 0;
}

static int on_timer(void *ctx)
{
	struct app *app = ctx;
	uint64_t expirations;

	if (read(app->timer_fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		return -errno;
	return frame(app);
}

static int on_ring(void *ctx)
{
	return drain(ctx);
}

static int on_signal(void *ctx)
{
	struct app *app = ctx;
	struct signalfd_siginfo info;

	if (read(app->signal_fd, &info, sizeof(info)) != sizeof(info))
		return errno == EAGAIN ? 0 : -errno;
	if (info.ssi_signo == SIGWINCH) {
		if (app->ui) {
			ui_resize(app->ui);
			return redraw(app);
		}
		return 0;
	}
	loop_quit(app->loop, 0); /* a normal way to stop */
	return 0;
}

static int fill_export(FILE *out, const void *snap)
{
	return export_text(out, snap);
}

/* The `e` key: what is on screen, filtered as it is, written whole or not at all. */
static void export_shown(struct app *app)
{
	struct snapshot *snap = snapshot_filtered(app->shown, &app->view.filter);
	const char *path = app->view.export_path;
	char text[VIEW_INPUT_LEN + 128];
	int err = snap ? outfile_write(path, fill_export, snap) : -ENOMEM;

	if (err)
		snprintf(text, sizeof(text), "Export failed: %.200s: %s", path, strerror(-err));
	else
		snprintf(text, sizeof(text),
			 "Exported %zu connections, %zu nodes, %zu edges to %.200s", snap->nconns,
			 snap->nnodes, snap->nedges, path);
	view_message(&app->view, text);
	snapshot__free(snap);
}

/* What the view asks of the application. */
static int react(struct app *app, enum view_reaction reaction)
{
	int err;

	if (reaction & VIEW_INTERVAL) {
		err = set_timer(app->timer_fd, app->view.interval_s);
		if (err)
			view_message(&app->view, "failed to change the refresh interval");
	}
	if (reaction & VIEW_EXPORT)
		export_shown(app);
	if ((reaction & VIEW_PAUSE) && !app->view.paused && app->shown != app->latest)
		set_shown(app, app->latest); /* back to the newest frame at once */
	return redraw(app);
}

static int on_key(void *ctx)
{
	struct app *app = ctx;
	enum view_reaction reaction = VIEW_NOTHING;
	int key, rows, cols;

	ui_size(app->ui, &rows, &cols);
	while ((key = ui_next_key(app->ui)) != UI_KEY_NONE) {
		reaction |= view_apply(&app->view, key, app->shown, rows);
		if (reaction & VIEW_QUIT) {
			loop_quit(app->loop, 0);
			return 0;
		}
		if (reaction & (VIEW_EXPORT | VIEW_INTERVAL | VIEW_PAUSE)) {
			int err = react(app, reaction);

			if (err)
				return err;
			reaction = VIEW_NOTHING;
		}
	}
	return reaction & VIEW_REDRAW ? redraw(app) : 0;
}

/*
 * Signals arrive through the loop, never in a handler. Those that stop conntop (Ctrl-C, Ctrl-\\,
 * kill, a closed terminal) end it the normal way, so the terminal is always given back.
 */
static int open_signal_fd(void)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGQUIT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGWINCH);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return -errno;
	signal(SIGPIPE, SIG_IGN); /* a closed pipe is an EPIPE from write, handled there */
	return signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

static int setup(struct app *app)
{
	struct bpf_source_opts bpf_opts = {
		.ringbuf_size = app->opts->ringbuf_size,
		.pending_max = BPF_DEFAULT_PENDING_MAX,
	};
	struct snapshot_filter filter;
	int err;

	if (!app->opts->batch && !ui_terminal_usable())
		return -ENOTTY; /* before loading anything into the kernel */
	filter_init(&filter);
	filter.port = app->opts->port;
	filter.pid = (uint32_t)app->opts->pid;
	if (app->opts->container)
		snprintf(filter.container, sizeof(filter.container), "%s", app->opts->container);
	view_init(&app->view, &filter, app->opts->delay_s);
	uname(&app->uts);
	app->tracker = tracker__new(NULL);
	app->topology = topology__new(MAX_EDGES);
	app->resolver = resolver__new(PROC_ROOT);
	app->loop = loop__new();
	if (!app->tracker || !app->topology || !app->resolver || !app->loop) {
		log_error("failed to start: out of memory");
		return -ENOMEM;
	}
	app->signal_fd = open_signal_fd();
	app->timer_fd = open_timer_fd(app->opts->delay_s);
	if (app->signal_fd < 0 || app->timer_fd < 0) {
		log_error("failed to set up signals and the timer: %s", strerror(errno));
		return -errno;
	}
	err = bpf_source__open(&app->source, &bpf_opts, on_record, app);
	if (err)
		return err;
	/* After attaching, never before: what opens in between is then seen twice, not lost. */
	err = seed_pass(app, true);
	if (err)
		return err;
	if (app->opts->heal_s > 0) {
		app->heal_fd = open_timer_fd(app->opts->heal_s);
		err = app->heal_fd < 0 ? app->heal_fd :
					 loop_watch(app->loop, app->heal_fd, on_heal, app);
		if (err) {
			log_error("failed to set up the healing timer: %s", strerror(-err));
			return err;
		}
	}
	if ((err = loop_watch(app->loop, app->signal_fd, on_signal, app)) ||
	    (err = loop_watch(app->loop, app->timer_fd, on_timer, app)) ||
	    (err = loop_watch(app->loop, bpf_source__fd(app->source), on_ring, app))) {
		log_error("failed to watch file descriptors: %s", strerror(-err));
		return err;
	}
	if (app->opts->batch)
		return 0;
	app->ui = ui__open();
	if (!app->ui)
		return -ENOTTY;
	err = loop_watch(app->loop, STDIN_FILENO, on_key, app);
	if (err)
		log_error("failed to watch the keyboard: %s", strerror(-err));
	return err;
}

static void teardown(struct app *app)
{
	ui__close(app->ui);
	grid__free(app->grid);
	set_shown(app, NULL);
	snapshot__free(app->latest);
	bpf_source__free(app->source);
	loop__free(app->loop);
	resolver__free(app->resolver);
	topology__free(app->topology);
	tracker__free(app->tracker);
	if (app->heal_fd > 0)
		close(app->heal_fd);
	if (app->timer_fd > 0)
		close(app->timer_fd);
	if (app->signal_fd > 0)
		close(app->signal_fd);
}

int app_run(const struct options *opts)
{
	struct app app = { .opts = opts, .signal_fd = -1, .timer_fd = -1, .heal_fd = -1 };
	int err;

	ui_set_locale(); /* UTF-8 names on a UTF-8 terminal, and in exports */
	err = setup(&app);
	if (!err)
		err = frame(&app); /* the first frame at once, like top; it also says "attached" */
	if (!err)
		err = loop_run(app.loop);
	teardown(&app);
	return err ? EXIT_RUNTIME : 0;
}
