// SPDX-License-Identifier: GPL-2.0-only
#include "live.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "bpf_loader.h"
#include "clock.h"
#include "events.h"
#include "log.h"

struct live {
	struct live_opts opts;
	struct tracker *tracker;
	struct bpf_source *bpf; /* NULL when polling */
	struct seed_stats seed;
	struct seed_missed missed; /* healing: what the last pass found missing */
	bool seeded; /* polling: the first pass was applied */
	int heal_fd; /* -1 when healing is off */
};

static int on_record(void *ctx, const void *data, size_t size)
{
	struct live *live = ctx;

	return events_apply(live->tracker, data, size);
}

int live_drain(struct live *live, enum drain_until until)
{
	int n;

	if (!live->bpf)
		return 0;
	n = bpf_source__drain(live->bpf, until);

	if (n < 0)
		log_error("failed to read the ring buffer: %s", strerror(-n));
	return n < 0 ? n : 0;
}

/*
 * One pass over the kernel's socket tables. @initial seeds what was open before we looked; later
 * passes heal. The ring is drained between the dump and the comparison (see seed.h).
 */
static int seed_pass(struct live *live, bool initial, struct seed_walk *walk)
{
	struct seed_scan scan;
	int err = seed_scan_run(&scan, live->opts.root, monotonic_ns());

	if (err) {
		log_warn("failed to list the TCP sockets of the namespaces: %s; connections opened "
			 "before start show only when they close",
			 strerror(-err));
		seed_scan_release(&scan);
		return 0; /* the live trace still works */
	}
	err = live_drain(live, DRAIN_NOW_WAITING);
	if (!err && bpf_source__traffic_mode(live->bpf) == TRAFFIC_OFF) {
		size_t i;

		for (i = 0; i < scan.nrecords; i++) /* not counting: not even what came before */
			memset(&scan.records[i].traffic, 0, sizeof(scan.records[i].traffic));
	}
	if (!err) {
		/* After the drain: against the listeners as they are now. */
		seed_identify(live->tracker, &scan);
		if (initial)
			seed_apply_initial(live->tracker, &scan, live->opts.root, walk);
		else
			seed_apply_heal(live->tracker, &scan, live->opts.root, &live->missed);
		seed_count(&live->seed, &scan);
	}
	seed_scan_release(&scan);
	return err;
}

static int on_heal(void *ctx)
{
	struct live *live = ctx;
	uint64_t expirations;

	if (read(live->heal_fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		return -errno;
	return seed_pass(live, false, NULL);
}

static int on_ring(void *ctx)
{
	return live_drain(ctx, DRAIN_SOME); /* the loop comes back while more waits */
}

static int open_heal_timer(struct live *live, struct loop *loop)
{
	double s = live->opts.heal_s;
	struct itimerspec spec = {
		.it_interval = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) },
	};
	int err;

	spec.it_value = spec.it_interval;
	live->heal_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (live->heal_fd < 0 || timerfd_settime(live->heal_fd, 0, &spec, NULL))
		err = -errno;
	else
		err = loop_watch(loop, live->heal_fd, on_heal, live);
	if (err)
		log_error("failed to set up the healing timer: %s", strerror(-err));
	return err;
}

/* seed_owners_fn for the kernel's iterator (bpf_source__socket_owners). */
static int socket_owners(void *bpf, sockowner_cb cb, void *ctx)
{
	return bpf_source__socket_owners(bpf, cb, ctx);
}

/* Loads and attaches; 0, or -errno with the cause logged (or, given @why, kept there). */
static int open_bpf(struct live *live, struct loop *loop, char *why, size_t whylen)
{
	const struct live_opts *opts = &live->opts;
	struct bpf_source_opts bpf_opts = {
		.ringbuf_size = opts->ringbuf_size,
		.pending_max = BPF_DEFAULT_PENDING_MAX,
		.traffic_max = BPF_DEFAULT_TRAFFIC_MAX,
		.traffic = opts->traffic,
		.transport = opts->transport,
		.hooks = opts->hooks,
	};
	struct seed_walk *walk;
	int err;

	if (why)
		log_capture_begin();
	err = bpf_source__open(&live->bpf, &bpf_opts, on_record, live);
	if (why)
		log_capture_end(why, whylen);
	if (err)
		return err;
	tracker_set_ids_by_tuple(live->tracker, !bpf_source__has_cookies(live->bpf));
	/*
	 * After attaching, never before: what opens in between is then seen twice, not lost. Who
	 * holds each socket is looked for by another thread meanwhile: by the kernel's iterator
	 * over every process's files when it has one, else in /proc.
	 */
	walk = seed_walk_start(opts->root, bpf_source__has_owners(live->bpf) ? socket_owners : NULL,
			       live->bpf);
	err = seed_pass(live, true, walk);
	seed_walk_free(walk);
	if (!err && opts->heal_s > 0)
		err = open_heal_timer(live, loop);
	if (!err) {
		err = loop_watch(loop, bpf_source__fd(live->bpf), on_ring, live);
		if (err)
			log_error("failed to watch the ring buffer: %s", strerror(-err));
	}
	return err;
}

int live__open(struct live **out, const struct live_opts *opts, struct tracker *tracker,
	       struct loop *loop)
{
	struct live *live = calloc(1, sizeof(*live));
	char why[512] = "";
	int err;

	if (!live) {
		log_error("failed to start: out of memory");
		return -ENOMEM;
	}
	live->opts = *opts;
	live->tracker = tracker;
	live->heal_fd = -1;
	*out = live;
	if (opts->source == SOURCE_PROC)
		return 0;
	err = open_bpf(live, loop, opts->source == SOURCE_AUTO ? why : NULL, sizeof(why));
	/* Failing after the programs loaded is not a reason to poll: then nothing was attached. */
	if (!err || opts->source == SOURCE_EBPF || live->bpf)
		return err;
	log_warn("eBPF unavailable: %s; using /proc polling, connections shorter than the refresh "
		 "interval are not seen",
		 why[0] ? why : strerror(-err));
	return 0;
}

void live__close(struct live *live)
{
	if (!live)
		return;
	bpf_source__free(live->bpf);
	if (live->heal_fd >= 0)
		close(live->heal_fd);
	seed_missed_release(&live->missed);
	free(live);
}

void live_stats(const struct live *live, struct source_stats *source, struct seed_stats *seed)
{
	memset(source, 0, sizeof(*source));
	if (live->bpf)
		bpf_source__read_stats(live->bpf, source);
	*seed = live->seed;
}

enum traffic_mode live_traffic_mode(const struct live *live)
{
	if (!live->bpf)
		return live->opts.traffic == TRAFFIC_OFF ? TRAFFIC_OFF : TRAFFIC_SOCKDIAG;
	return bpf_source__traffic_mode(live->bpf);
}

void live_describe(const struct live *live, char *buf, size_t size)
{
	if (!live->bpf)
		snprintf(buf, size, "/proc polling, no eBPF");
	else
		bpf_source__describe(live->bpf, buf, size);
}

bool live_polling(const struct live *live)
{
	return !live->bpf;
}

static void on_traffic(void *ctx, uint64_t cookie, const struct ct_traffic *traffic)
{
	struct live *live = ctx;

	tracker_set_traffic(live->tracker, cookie, traffic, false);
}

/* Every connection's tcp_info from @scan; nothing when counting is off. */
static void traffic_from_scan(struct live *live, const struct seed_scan *scan)
{
	size_t i;

	if (live_traffic_mode(live) == TRAFFIC_OFF)
		return;
	for (i = 0; i < scan->nrecords; i++)
		tracker_set_traffic(live->tracker, scan->records[i].cookie,
				    &scan->records[i].traffic, true);
}

/* Polling: the first pass seeds what was open, later ones open and close what changed. */
static void apply_polled(struct live *live, struct seed_scan *scan)
{
	size_t i;

	if (live_traffic_mode(live) == TRAFFIC_OFF)
		for (i = 0; i < scan->nrecords; i++)
			memset(&scan->records[i].traffic, 0, sizeof(scan->records[i].traffic));
	if (live->seeded) {
		seed_apply_poll(live->tracker, scan, live->opts.root);
	} else {
		seed_apply_initial(live->tracker, scan, live->opts.root, NULL);
		live->seeded = true;
	}
	seed_count(&live->seed, scan);
}

/*
 * A sock_diag pass of every namespace: for the bytes when the kernel cannot count them and, when
 * polling (@connections), for the connections themselves.
 */
static int read_dump(struct live *live, bool connections)
{
	struct seed_scan scan;
	int err = seed_scan_run(&scan, live->opts.root, monotonic_ns());

	if (err) {
		log_error("failed to list the TCP sockets of the namespaces: %s", strerror(-err));
		seed_scan_release(&scan);
		return err;
	}
	seed_identify(live->tracker, &scan);
	if (connections)
		apply_polled(live, &scan);
	traffic_from_scan(live, &scan);
	seed_scan_release(&scan);
	return 0;
}

static int read_traffic(struct live *live)
{
	int n;

	switch (bpf_source__traffic_mode(live->bpf)) {
	case TRAFFIC_BPF:
		n = bpf_source__read_traffic(live->bpf, on_traffic, live);
		if (n < 0)
			log_error("failed to read the traffic map: %s", strerror(-n));
		return n < 0 ? n : 0;
	case TRAFFIC_SOCKDIAG:
		return read_dump(live, false);
	default:
		return 0;
	}
}

int live_collect(struct live *live)
{
	int err;

	if (!live->bpf)
		return read_dump(live, true);
	err = live_drain(live, DRAIN_NOW_WAITING);
	return err ? err : read_traffic(live);
}
