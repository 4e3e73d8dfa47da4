// SPDX-License-Identifier: GPL-2.0-only
#include "app.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "curses.h"
#include "export.h"
#include "filter.h"
#include "keys.h"
#include "live.h"
#include "log.h"
#include "loop.h"
#include "outfile.h"
#include "privilege.h"
#include "recording.h"
#include "resolve.h"
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
	struct live *live; /* frames from the kernel, or */
	struct replay *replay; /* from a recording */
	struct recorder *recorder; /* --record */
	struct recording_header header; /* host, kernel and source, recorded or replayed */
	struct recorded_frame next; /* replay: the frame due when the timer fires */
	bool replay_done;
	struct loop *loop;
	struct ui *ui; /* NULL in batch mode */
	struct grid *grid;
	struct view_state view; /* its filter serves the batch frames and exports too */
	struct snapshot *latest; /* the newest frame */
	struct snapshot *shown; /* the frame on screen: the newest, unless paused */
	long frames;
	int signal_fd;
	int timer_fd;
};

/* Fires every @seconds from now, or once after @seconds when not @repeat; -errno on failure. */
static int set_timer(int fd, double seconds, bool repeat)
{
	struct itimerspec spec = { 0 };

	spec.it_value.tv_sec = (time_t)seconds;
	spec.it_value.tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9);
	if (!spec.it_value.tv_sec && !spec.it_value.tv_nsec)
		spec.it_value.tv_nsec = 1; /* 0 would disarm it */
	if (repeat)
		spec.it_interval = spec.it_value;
	return timerfd_settime(fd, 0, &spec, NULL) ? -errno : 0;
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
	view_show(&app->view, app->shown, app->grid); /* the selection within the new size, too */
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

/* The format of -o FILE: --format, else the file's extension. */
static enum export_format output_format(const struct app *app)
{
	if (app->opts->format >= 0)
		return (enum export_format)app->opts->format;
	return export_format_of_path(app->opts->output);
}

/*
 * What the filter keeps of @snap: a copy, or @snap itself when there is no filter (a frame of
 * 100,000 rows is not copied to be written whole). Give it back with put_filtered().
 */
static struct snapshot *get_filtered(const struct app *app, struct snapshot *snap)
{
	return filter_active(&app->view.filter) ? snapshot_filtered(snap, &app->view.filter) : snap;
}

static void put_filtered(struct snapshot *filtered, const struct snapshot *snap)
{
	if (filtered != snap)
		snapshot__free(filtered);
}

static int fill_output(FILE *out, const void *ctx)
{
	const struct app *app = ctx;
	struct snapshot *snap = get_filtered(app, app->latest);
	int err;

	if (!snap)
		return -ENOMEM;
	err = export_write(out, snap, output_format(app));
	put_filtered(snap, app->latest);
	return err;
}

/* -o FILE: the newest frame, filtered, replacing the file whole. */
static int write_output(struct app *app)
{
	int err;

	if (!app->opts->output || !app->latest)
		return 0;
	err = outfile_write(app->opts->output, fill_output, app);
	if (err)
		log_error("failed to write %s: %s", app->opts->output, strerror(-err));
	return err;
}

/* A batch frame on stdout: what the filter keeps, as text, or as one line of JSON. */
static int print_frame(struct app *app)
{
	enum export_format format = app->opts->format == EXPORT_JSON ? EXPORT_JSON : EXPORT_TEXT;
	struct snapshot *snap = get_filtered(app, app->latest);
	int err;

	if (!snap) {
		log_error("failed to filter a frame: out of memory");
		return -ENOMEM;
	}
	err = export_write(stdout, snap, format);
	if (!err && fflush(stdout))
		err = -errno;
	put_filtered(snap, app->latest);
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

/* A batch frame's rows: only those its filter prints (every reader of them filters alike). */
static bool batch_row(const struct snapshot *snap, const struct snap_conn *row, const void *ctx)
{
	return filter_conn(ctx, snap, row);
}

/* A frame from what the tracker has now: edges folded, snapshot taken and shown, frame ended. */
static int publish(struct app *app, const struct recorded_frame *frame)
{
	bool some_rows = !app->ui && filter_active(&app->view.filter);
	struct snapshot_input in = {
		.tracker = app->tracker,
		.topology = app->topology,
		.resolver = app->resolver,
		.source = &frame->source,
		.seed = &frame->seed,
		.prev = app->latest,
		.keep_row = some_rows ? batch_row : NULL,
		.keep_ctx = &app->view.filter,
		.host = app->header.host,
		.kernel = app->header.kernel,
		.source_name = app->header.source_name,
		.replay = app->replay != NULL,
		.source_kind = app->header.source_kind,
		.now_ns = frame->now_ns,
		.wall = { .tv_sec = frame->wall_sec, .tv_nsec = frame->wall_nsec },
	};
	struct snapshot *snap;
	int err;

	if (topology_update(app->topology, app->tracker)) {
		log_error("failed to fold the connections into edges: out of memory");
		return -ENOMEM;
	}
	/*
	 * The newest frame is replaced now, unless the screen is paused on it: the new one takes its
	 * memory (no arrays allocated and faulted in afresh, and never two frames' worth at once).
	 */
	if (app->latest && !(app->view.paused && app->latest == app->shown)) {
		in.reuse = app->latest;
		if (app->shown == app->latest)
			app->shown = NULL;
		app->latest = NULL;
	}
	snap = snapshot_take(&in);
	if (!snap) {
		log_error("failed to take a snapshot: out of memory");
		return -ENOMEM;
	}
	err = show(app, snap);
	if (!err && app->opts->every)
		err = write_output(app);
	if (err)
		return err;
	tracker_end_frame(app->tracker);
	app->frames++;
	if (app->opts->iterations && app->frames >= app->opts->iterations)
		loop_quit(app->loop, 0);
	return 0;
}

/* What a recording needs to make the same frame again: the netns names, then the frame. */
static int record_frame(struct app *app, const struct recorded_frame *frame)
{
	const struct netns_name *names;
	size_t n;
	int err;

	names = resolver_netns_names(app->resolver, &n);
	recorder_write(app->recorder, REC_NETNS_NAMES, names, n * sizeof(*names));
	recorder_write(app->recorder, REC_FRAME, frame, sizeof(*frame));
	err = recorder_flush(app->recorder);
	if (err)
		log_error("failed to write the recording %s: %s", app->opts->record,
			  strerror(-err));
	return err;
}

static int live_frame(struct app *app)
{
	struct recorded_frame frame = { 0 };
	struct timespec wall;
	int err = live_collect(app->live);

	if (err)
		return err;
	live_stats(app->live, &frame.source, &frame.seed);
	resolver_update(app->resolver, app->tracker);
	frame.now_ns = monotonic_ns();
	clock_gettime(CLOCK_REALTIME, &wall);
	frame.wall_sec = wall.tv_sec;
	frame.wall_nsec = wall.tv_nsec;
	if (app->recorder && (err = record_frame(app, &frame)))
		return err;
	return publish(app, &frame);
}

/*
 * Reads the recording up to its next frame and sets the timer for when it is due: as recorded,
 * scaled by --replay-speed. At the end, or at a bad record, what was read is shown and kept.
 */
static int replay_ahead(struct app *app)
{
	struct recorded_frame shown = app->next;
	int ret = replay_next_frame(app->replay, app->tracker, app->resolver, &app->next);
	double speed = app->opts->replay_speed, wait = 0;

	if (ret > 0) {
		if (speed > 0 && app->frames && app->next.now_ns > shown.now_ns)
			wait = (double)(app->next.now_ns - shown.now_ns) / 1e9 / speed;
		return set_timer(app->timer_fd, wait, false);
	}
	app->replay_done = true;
	if (ret == 0) {
		if (!app->ui) {
			loop_quit(app->loop, 0);
			return 0;
		}
		view_message(&app->view, "End of the recording: q quits.");
		return redraw(app);
	}
	log_error("%s: %s; what came before is shown", app->opts->replay,
		  replay_error(app->replay));
	if (app->frames) {
		app->next =
			shown; /* the state up to the bad record, at the last good frame's time */
		if (publish(app, &app->next))
			return -EIO;
	}
	if (app->ui) {
		view_message(&app->view, "The recording is damaged here: q quits.");
		return redraw(app);
	}
	loop_quit(app->loop, -EBADMSG);
	return 0;
}

static int replay_frame(struct app *app)
{
	int err;

	if (app->replay_done || app->view.paused)
		return 0; /* a paused replay waits; the timer fires again when unpaused */
	err = publish(app, &app->next);
	return err ? err : replay_ahead(app);
}

/*
 * CONNTOP_DEBUG_CRASH=N: a real segmentation fault after N frames, so that tests can check what
 * a crash leaves behind (the terminal, the kernel, the files). Never set in normal use.
 */
static void debug_crash(void)
{
	static long frames_left = -1;
	const char *after = getenv("CONNTOP_DEBUG_CRASH");

	if (frames_left < 0)
		frames_left = after ? strtol(after, NULL, 10) : 0;
	if (frames_left > 0 && --frames_left == 0) {
		volatile uintptr_t unmapped = 8; /* not NULL: UBSan would stop at a NULL store */

		*(volatile int *)unmapped = 0;
	}
}

static int frame(struct app *app)
{
	int err = app->replay ? replay_frame(app) : live_frame(app);

	debug_crash();
	return err;
}

static int on_timer(void *ctx)
{
	struct app *app = ctx;
	uint64_t expirations;

	if (read(app->timer_fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		return -errno;
	return frame(app);
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

struct export_job {
	const struct snapshot *snap;
	enum export_format format;
};

static int fill_job(FILE *out, const void *ctx)
{
	const struct export_job *job = ctx;

	return export_write(out, job->snap, job->format);
}

/* The `e` key: what is on screen, filtered as it is, written whole or not at all. */
static void export_shown(struct app *app)
{
	struct snapshot *snap = get_filtered(app, app->shown);
	const char *path = app->view.export_path;
	char text[VIEW_INPUT_LEN + 128];
	struct export_job job = { snap, export_format_of_path(path) };
	int err = snap ? outfile_write(path, fill_job, &job) : -ENOMEM;

	if (err)
		snprintf(text, sizeof(text), "Export failed: %.200s: %s", path, strerror(-err));
	else
		snprintf(text, sizeof(text),
			 "Exported %zu connections, %zu nodes, %zu edges to %.200s", snap->nconns,
			 snap->nnodes, snap->nedges, path);
	view_message(&app->view, text);
	put_filtered(snap, app->shown);
}

/* What the view asks of the application. */
static int react(struct app *app, enum view_reaction reaction)
{
	int err;

	if ((reaction & VIEW_INTERVAL) && !app->replay) { /* a replay keeps its recorded pace */
		err = set_timer(app->timer_fd, app->view.interval_s, true);
		if (err)
			view_message(&app->view, "failed to change the refresh interval");
	}
	if ((reaction & VIEW_PAUSE) && !app->view.paused && app->replay && !app->replay_done)
		set_timer(app->timer_fd, 0, false); /* the paused replay goes on at once */
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

/* -o FILE is checked before anything starts: a typo must not cost a whole run. */
static int check_output(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	struct stat st;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path + 1) : 1, slash ? path : ".");
	if (!lstat(path, &st) &&
	    S_ISDIR(st.st_mode)) { /* a symlink there is replaced, not followed */
		log_error("cannot write %s: it is a directory", path);
		return -EISDIR;
	}
	if (access(dir, W_OK | X_OK)) {
		log_error("cannot write %s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

static int open_replay(struct app *app)
{
	char why[256];
	int err = replay__open(&app->replay, app->opts->replay, &app->header, why, sizeof(why));

	if (err) {
		log_error("cannot replay %s: %s", app->opts->replay, why);
		return err;
	}
	err = replay_next_frame(app->replay, app->tracker, app->resolver, &app->next);
	if (err <= 0) {
		log_error("cannot replay %s: %s", app->opts->replay,
			  err ? replay_error(app->replay) : "it has no frame");
		return err ? err : -ENODATA;
	}
	return 0;
}

static int open_live(struct app *app)
{
	struct live_opts live_opts = {
		.ringbuf_size = app->opts->ringbuf_size,
		.heal_s = app->opts->heal_s,
		.traffic = app->opts->traffic,
		.transport = app->opts->transport,
		.hooks = app->opts->hooks,
		.source = app->opts->source,
		.root = PROC_ROOT,
	};
	struct utsname uts;
	struct timespec wall;
	int err;

	uname(&uts);
	snprintf(app->header.host, sizeof(app->header.host), "%s", uts.nodename);
	snprintf(app->header.kernel, sizeof(app->header.kernel), "%s", uts.release);
	snprintf(app->header.source_kind, sizeof(app->header.source_kind), "ebpf");
	snprintf(app->header.conntop_version, sizeof(app->header.conntop_version), "%s",
		 CONNTOP_VERSION);
	if (app->opts->record) {
		app->header.started_ns = monotonic_ns();
		clock_gettime(CLOCK_REALTIME, &wall);
		app->header.boot_offset_ns = (int64_t)(wall.tv_sec * 1000000000ll + wall.tv_nsec) -
					     (int64_t)app->header.started_ns;
		err = recorder__open(&app->recorder, app->opts->record, &app->header);
		if (err) {
			log_error("cannot record to %s: %s", app->opts->record, strerror(-err));
			return err;
		}
		tracker_set_journal(app->tracker, recorder_journal, app->recorder);
	}
	err = live__open(&app->live, &live_opts, app->tracker, app->loop);
	if (err)
		return err;
	live_describe(app->live, app->header.source_name, sizeof(app->header.source_name));
	if (live_polling(app->live)) {
		snprintf(app->header.source_kind, sizeof(app->header.source_kind), "proc");
	} else if (live_traffic_mode(app->live) == TRAFFIC_SOCKDIAG) {
		size_t len = strlen(app->header.source_name);

		snprintf(app->header.source_name + len, sizeof(app->header.source_name) - len,
			 "; sock_diag");
	}
	if (app->recorder && (err = recorder_rewrite_header(app->recorder, &app->header))) {
		log_error("failed to write the recording %s: %s", app->opts->record,
			  strerror(-err));
		return err;
	}
	return 0;
}

static int setup(struct app *app)
{
	struct tracker_limits limits;
	struct snapshot_filter filter;
	int err;

	if (!app->opts->batch && !ui_terminal_usable())
		return -ENOTTY; /* before loading anything into the kernel */
	if (app->opts->output && (err = check_output(app->opts->output)))
		return err;
	filter_init(&filter);
	filter.port = app->opts->port;
	filter.pid = (uint32_t)app->opts->pid;
	if (app->opts->container)
		snprintf(filter.container, sizeof(filter.container), "%s", app->opts->container);
	view_init(&app->view, &filter, app->opts->delay_s);
	limits = tracker_default_limits;
	if (app->opts->max_conns)
		limits.max_conns = app->opts->max_conns;
	if (app->opts->max_procs)
		limits.max_procs = app->opts->max_procs;
	app->tracker = tracker__new(&limits);
	app->topology = topology__new(MAX_EDGES);
	app->resolver = resolver__new(PROC_ROOT);
	app->loop = loop__new();
	if (!app->tracker || !app->topology || !app->resolver || !app->loop) {
		log_error("failed to start: out of memory");
		return -ENOMEM;
	}
	app->signal_fd = open_signal_fd();
	app->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (app->signal_fd < 0 || app->timer_fd < 0 ||
	    (!app->opts->replay && set_timer(app->timer_fd, app->opts->delay_s, true))) {
		log_error("failed to set up signals and the timer: %s", strerror(errno));
		return -errno;
	}
	err = app->opts->replay ? open_replay(app) : open_live(app);
	if (err)
		return err;
	if ((err = loop_watch(app->loop, app->signal_fd, on_signal, app)) ||
	    (err = loop_watch(app->loop, app->timer_fd, on_timer, app))) {
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

static int teardown(struct app *app)
{
	int err = recorder__close(app->recorder);

	if (err)
		log_error("failed to write the recording %s: %s", app->opts->record,
			  strerror(-err));
	ui__close(app->ui);
	grid__free(app->grid);
	set_shown(app, NULL);
	snapshot__free(app->latest);
	live__close(app->live);
	replay__close(app->replay);
	loop__free(app->loop);
	resolver__free(app->resolver);
	topology__free(app->topology);
	tracker__free(app->tracker);
	if (app->timer_fd >= 0)
		close(app->timer_fd);
	if (app->signal_fd >= 0)
		close(app->signal_fd);
	return err;
}

/* Loading and the first pass over the sockets are done: give up what only they needed. */
static void drop_privileges(const struct app *app)
{
	bool live = app->live && !live_polling(app->live);
	struct privilege_needs needs = {
		.read_processes = app->live != NULL,
		.enter_namespaces =
			app->live && (app->opts->heal_s > 0 || live_polling(app->live) ||
				      live_traffic_mode(app->live) == TRAFFIC_SOCKDIAG),
		.write_files = app->opts->output || !app->opts->batch,
		.read_bpf_maps = live && privilege_bpf_calls_checked(),
	};
	char kept[128];
	int err = privilege_drop(&needs, kept, sizeof(kept));

	if (err)
		log_warn("failed to drop capabilities: %s", strerror(-err));
	else
		log_info("capabilities kept: %s", kept[0] ? kept : "none");
}

int app_run(const struct options *opts)
{
	struct app app = { .opts = opts, .signal_fd = -1, .timer_fd = -1 };
	int err;

	ui_set_locale(); /* UTF-8 names on a UTF-8 terminal, and in exports */
	err = setup(&app);
	if (!err)
		drop_privileges(&app);
	if (!err)
		err = frame(&app); /* the first frame at once, like top; it also says "attached" */
	if (!err)
		err = loop_run(app.loop);
	if (app.latest) /* what was seen is written, even when the run ended badly */
		err = write_output(&app) ?: err;
	err = teardown(&app) ?: err;
	return err ? EXIT_RUNTIME : 0;
}
