// SPDX-License-Identifier: GPL-2.0-only
#include "live.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "bpf_loader.h"
#include "events.h"
#include "log.h"

struct live {
	struct live_opts opts;
	struct tracker *tracker;
	struct bpf_source *bpf;
	struct seed_stats seed;
	int heal_fd; /* -1 when healing is off */
};

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int on_record(void *ctx, const void *data, size_t size)
{
	struct live *live = ctx;

	return events_apply(live->tracker, data, size);
}

int live_drain(struct live *live)
{
	int n = bpf_source__drain(live->bpf);

	if (n < 0)
		log_error("failed to read the ring buffer: %s", strerror(-n));
	return n < 0 ? n : 0;
}

/*
 * One pass over the kernel's socket tables. @initial seeds what was open before we looked; later
 * passes heal. The ring is drained between the dump and the comparison (see seed.h).
 */
static int seed_pass(struct live *live, bool initial)
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
	err = live_drain(live);
	if (!err && bpf_source__traffic_mode(live->bpf) == TRAFFIC_OFF) {
		size_t i;

		for (i = 0; i < scan.nrecords; i++) /* not counting: not even what came before */
			memset(&scan.records[i].traffic, 0, sizeof(scan.records[i].traffic));
	}
	if (!err) {
		if (initial)
			seed_apply_initial(live->tracker, &scan, live->opts.root);
		else
			seed_apply_heal(live->tracker, &scan, live->opts.root);
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
	return seed_pass(live, false);
}

static int on_ring(void *ctx)
{
	return live_drain(ctx);
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

int live__open(struct live **out, const struct live_opts *opts, struct tracker *tracker,
	       struct loop *loop)
{
	struct bpf_source_opts bpf_opts = {
		.ringbuf_size = opts->ringbuf_size,
		.pending_max = BPF_DEFAULT_PENDING_MAX,
		.traffic_max = BPF_DEFAULT_TRAFFIC_MAX,
		.traffic = opts->traffic,
	};
	struct live *live = calloc(1, sizeof(*live));
	int err;

	if (!live) {
		log_error("failed to start: out of memory");
		return -ENOMEM;
	}
	live->opts = *opts;
	live->tracker = tracker;
	live->heal_fd = -1;
	*out = live;
	err = bpf_source__open(&live->bpf, &bpf_opts, on_record, live);
	if (err)
		return err;
	/* After attaching, never before: what opens in between is then seen twice, not lost. */
	err = seed_pass(live, true);
	if (!err && opts->heal_s > 0)
		err = open_heal_timer(live, loop);
	if (!err) {
		err = loop_watch(loop, bpf_source__fd(live->bpf), on_ring, live);
		if (err)
			log_error("failed to watch the ring buffer: %s", strerror(-err));
	}
	return err;
}

void live__close(struct live *live)
{
	if (!live)
		return;
	bpf_source__free(live->bpf);
	if (live->heal_fd >= 0)
		close(live->heal_fd);
	free(live);
}

void live_stats(const struct live *live, struct source_stats *source, struct seed_stats *seed)
{
	bpf_source__read_stats(live->bpf, source);
	*seed = live->seed;
}

enum traffic_mode live_traffic_mode(const struct live *live)
{
	return bpf_source__traffic_mode(live->bpf);
}

static void on_traffic(void *ctx, uint64_t cookie, const struct ct_traffic *traffic)
{
	struct live *live = ctx;

	tracker_set_traffic(live->tracker, cookie, traffic, false);
}

/* Without the kernel's counting: every connection's tcp_info, from a dump of each namespace. */
static int read_traffic_from_dump(struct live *live)
{
	struct seed_scan scan;
	size_t i;
	int err = seed_scan_run(&scan, live->opts.root, monotonic_ns());

	if (err) {
		log_error("failed to read the connections' bytes from sock_diag: %s",
			  strerror(-err));
		seed_scan_release(&scan);
		return err;
	}
	for (i = 0; i < scan.nrecords; i++)
		tracker_set_traffic(live->tracker, scan.records[i].cookie, &scan.records[i].traffic,
				    true);
	seed_scan_release(&scan);
	return 0;
}

int live_read_traffic(struct live *live)
{
	int n;

	switch (bpf_source__traffic_mode(live->bpf)) {
	case TRAFFIC_BPF:
		n = bpf_source__read_traffic(live->bpf, on_traffic, live);
		if (n < 0)
			log_error("failed to read the traffic map: %s", strerror(-n));
		return n < 0 ? n : 0;
	case TRAFFIC_SOCKDIAG:
		return read_traffic_from_dump(live);
	default:
		return 0;
	}
}
