// SPDX-License-Identifier: GPL-2.0-only
#include "bpf_loader.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/types.h>

#include "conntop.skel.h"
#include "conntop/event.h"
#include "log.h"

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"

struct bpf_source {
	struct conntop_bpf *skel;
	struct ring_buffer *ring;
	record_fn on_record;
	void *ctx;
	int ncpus;
	enum traffic_mode traffic;
	bool batch_unsupported; /* bpf_map_lookup_batch is not there (before 5.6): key by key */
};

#define TRAFFIC_BATCH 4096

int bpf_check_ringbuf_size(size_t size)
{
	long page = sysconf(_SC_PAGESIZE);

	if (size < (size_t)page || (size & (size - 1)) || size > (1ul << 30))
		return -EINVAL;
	return 0;
}

/* libbpf's own messages are details for -v; the user gets one line from us. */
static int libbpf_to_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	log_vmsg(level == LIBBPF_WARN ? LOG_INFO : LOG_DEBUG, fmt, ap);
	return 0;
}

static int has_capability(int cap)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &header, data))
		return 0;
	return !!(data[cap / 32].effective & (1u << (cap % 32)));
}

static int check_privileges(void)
{
	if (has_capability(CAP_SYS_ADMIN) ||
	    (has_capability(CAP_BPF) && has_capability(CAP_PERFMON)))
		return 0;
	log_error("permission denied: tracing TCP needs root (or CAP_BPF, CAP_PERFMON and "
		  "CAP_SYS_ADMIN); run it with sudo");
	return -EPERM;
}

static int check_btf(void)
{
	if (access(VMLINUX_BTF, R_OK) == 0)
		return 0;
	log_error("no BTF at %s: this kernel was built without CONFIG_DEBUG_INFO_BTF, which the "
		  "eBPF programs need; use a kernel with BTF",
		  VMLINUX_BTF);
	return -ENOTSUP;
}

/*
 * Classic tracepoints are found through tracefs. When the host has not mounted it, mount it in a
 * mount namespace of our own (slave, so later host mounts such as `ip netns add` still reach us):
 * the host's mount table stays as it was.
 */
static int ensure_tracefs(void)
{
	if (access("/sys/kernel/tracing/events", F_OK) == 0 ||
	    access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return 0;
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) ||
	    mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL)) {
		log_error("failed to mount tracefs at /sys/kernel/tracing: %s; mount it with "
			  "'mount -t tracefs nodev /sys/kernel/tracing'",
			  strerror(errno));
		return -errno;
	}
	log_debug("mounted tracefs at /sys/kernel/tracing in a private mount namespace");
	return 0;
}

/* Whether the running kernel has the tracepoint @name (its BTF names btf_trace_@name). */
static bool has_tracepoint(const struct btf *vmlinux, const char *name)
{
	char type[128];

	snprintf(type, sizeof(type), "btf_trace_%s", name);
	return vmlinux && btf__find_by_name_kind(vmlinux, type, BTF_KIND_TYPEDEF) > 0;
}

/*
 * Bytes are counted in the kernel when it has the tracepoints (Linux 6.3+), found by probing its
 * BTF, never by its version; else user space reads them from sock_diag. Programs not used are not
 * loaded.
 */
static enum traffic_mode choose_traffic(struct conntop_bpf *skel, enum traffic_mode wanted)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	bool can = has_tracepoint(vmlinux, "sock_send_length") &&
		   has_tracepoint(vmlinux, "sock_recv_length") &&
		   has_tracepoint(vmlinux, "tcp_retransmit_skb");
	enum traffic_mode mode = wanted == TRAFFIC_OFF	    ? TRAFFIC_OFF :
				 wanted == TRAFFIC_SOCKDIAG ? TRAFFIC_SOCKDIAG :
				 can			    ? TRAFFIC_BPF :
							      TRAFFIC_SOCKDIAG;

	btf__free(vmlinux);
	if (wanted == TRAFFIC_BPF && !can)
		log_warn("this kernel has no sock_send_length/sock_recv_length tracepoints (Linux "
			 "6.3+): bytes come from sock_diag at each refresh");
	bpf_program__set_autoload(skel->progs.count_send, mode == TRAFFIC_BPF);
	bpf_program__set_autoload(skel->progs.count_receive, mode == TRAFFIC_BPF);
	bpf_program__set_autoload(skel->progs.count_retransmit, mode == TRAFFIC_BPF);
	return mode;
}

static int configure(struct bpf_source *src, const struct bpf_source_opts *opts)
{
	struct conntop_bpf *skel = src->skel;
	int err = bpf_map__set_max_entries(skel->maps.events, opts->ringbuf_size);

	if (!err)
		err = bpf_map__set_max_entries(skel->maps.pending, opts->pending_max);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.traffic, opts->traffic_max ?: 1);
	src->traffic = choose_traffic(skel, opts->traffic);
	skel->rodata->count_bytes = src->traffic == TRAFFIC_BPF;
	/* Wake the reader early only when a quarter of the ring waits; it drains on its tick. */
	skel->rodata->wakeup_bytes = opts->ringbuf_size / 4;
	return err;
}

/*
 * Attaches in this order, not the skeleton's: the nested copy must be called after the first one
 * for the same state change (probes of one tracepoint run in the order they were attached).
 */
static int attach(struct conntop_bpf *skel)
{
	struct {
		struct bpf_program *prog;
		struct bpf_link **link;
	} order[] = {
		{ skel->progs.handle_set_state, &skel->links.handle_set_state },
		{ skel->progs.handle_set_state_nested, &skel->links.handle_set_state_nested },
		{ skel->progs.handle_accept4_exit, &skel->links.handle_accept4_exit },
		{ skel->progs.handle_accept_exit, &skel->links.handle_accept_exit },
		{ skel->progs.count_send, &skel->links.count_send },
		{ skel->progs.count_receive, &skel->links.count_receive },
		{ skel->progs.count_retransmit, &skel->links.count_retransmit },
	};
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (!bpf_program__autoload(order[i].prog))
			continue; /* not loaded: this kernel counts bytes another way */
		*order[i].link = bpf_program__attach(order[i].prog);
		if (!*order[i].link) {
			int err = -errno;

			log_error("failed to attach %s: %s; see 'conntop -v' for details",
				  bpf_program__section_name(order[i].prog), strerror(-err));
			return err;
		}
	}
	return 0;
}

static void explain_load_failure(int err)
{
	if (err == -EPERM || err == -EACCES)
		log_error("failed to load the eBPF programs: %s; the kernel refused them (lockdown "
			  "or "
			  "unprivileged BPF policy?); run as root, or see 'conntop -v' for details",
			  strerror(-err));
	else
		log_error("failed to load the eBPF programs: %s; see 'conntop -v' for the "
			  "verifier's log",
			  strerror(-err));
}

static int ring_callback(void *ctx, void *data, size_t size)
{
	struct bpf_source *src = ctx;

	src->on_record(src->ctx, data, size);
	return 0; /* a bad record is counted by the callee; never stop draining */
}

int bpf_source__open(struct bpf_source **out, const struct bpf_source_opts *opts,
		     record_fn on_record, void *ctx)
{
	struct bpf_source *src;
	int err;

	*out = NULL;
	libbpf_set_print(libbpf_to_log);
	if ((err = check_privileges()) || (err = check_btf()) || (err = ensure_tracefs()))
		return err;
	src = calloc(1, sizeof(*src));
	if (!src)
		return -ENOMEM;
	src->on_record = on_record;
	src->ctx = ctx;
	src->ncpus = libbpf_num_possible_cpus();

	src->skel = conntop_bpf__open();
	if (!src->skel) {
		err = -errno;
		log_error("failed to open the eBPF object: %s", strerror(-err));
		goto cleanup;
	}
	err = configure(src, opts);
	if (err) {
		log_error("failed to configure the eBPF maps: %s", strerror(-err));
		goto cleanup;
	}
	err = conntop_bpf__load(src->skel);
	if (err) {
		explain_load_failure(err);
		goto cleanup;
	}
	err = attach(src->skel);
	if (err)
		goto cleanup;
	src->ring = ring_buffer__new(bpf_map__fd(src->skel->maps.events), ring_callback, src, NULL);
	if (!src->ring) {
		err = -errno;
		log_error("failed to create the ring buffer reader: %s", strerror(-err));
		goto cleanup;
	}
	*out = src;
	return 0;
cleanup:
	bpf_source__free(src);
	return err;
}

void bpf_source__free(struct bpf_source *src)
{
	if (!src)
		return;
	ring_buffer__free(src->ring);
	conntop_bpf__destroy(src->skel); /* detaches every link */
	free(src);
}

int bpf_source__fd(const struct bpf_source *src)
{
	return ring_buffer__epoll_fd(src->ring);
}

int bpf_source__drain(struct bpf_source *src)
{
	/* consume, not poll: records submitted without a wake-up never make the fd readable. */
	return ring_buffer__consume(src->ring);
}

static uint64_t stat_sum(const struct bpf_source *src, uint32_t key)
{
	uint64_t values[src->ncpus > 0 ? src->ncpus : 1];
	uint64_t sum = 0;
	int cpu;

	if (src->ncpus <= 0 ||
	    bpf_map_lookup_elem(bpf_map__fd(src->skel->maps.stats), &key, values))
		return 0;
	for (cpu = 0; cpu < src->ncpus; cpu++)
		sum += values[cpu];
	return sum;
}

static bool counts_traffic(const struct bpf_source *src, const struct bpf_program *prog)
{
	return prog == src->skel->progs.count_send || prog == src->skel->progs.count_receive ||
	       prog == src->skel->progs.count_retransmit;
}

/* Runs the kernel skipped, of the lifecycle programs or (@traffic) of the byte counters. */
static uint64_t recursion_misses(const struct bpf_source *src, bool traffic)
{
	struct bpf_program *prog;
	uint64_t sum = 0;

	bpf_object__for_each_program (prog, src->skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		/* When the nested copy is skipped, the first one is free and handles the call. */
		if (prog == src->skel->progs.handle_set_state_nested ||
		    counts_traffic(src, prog) != traffic || bpf_program__fd(prog) < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			sum += info.recursion_misses;
	}
	return sum;
}

void bpf_source__read_stats(const struct bpf_source *src, struct source_stats *stats)
{
	uint64_t misses;

	stats->lost = stat_sum(src, CT_STAT_LOST);
	stats->pending_full = stat_sum(src, CT_STAT_PENDING_FULL);
	stats->connect_failed = stat_sum(src, CT_STAT_CONNECT_FAILED);
	/*
	 * Every skip of handle_set_state that the nested copy handled was counted by both; the rest
	 * were lost. Misses first: a rescue that lands between the two reads can then only hide a
	 * loss for one frame, never show a loss that did not happen.
	 */
	stats->traffic_full = stat_sum(src, CT_STAT_TRAFFIC_FULL);
	stats->traffic_skipped = recursion_misses(src, true);
	misses = recursion_misses(src, false);
	stats->nested_rescued = stat_sum(src, CT_STAT_NESTED_RESCUED);
	stats->recursion_misses =
		misses > stats->nested_rescued ? misses - stats->nested_rescued : 0;
}

enum traffic_mode bpf_source__traffic_mode(const struct bpf_source *src)
{
	return src->traffic;
}

/* Before Linux 5.6: one key after the other. */
static int read_traffic_by_key(struct bpf_source *src, int fd, traffic_fn fn, void *ctx)
{
	struct ct_traffic value;
	uint64_t key, next;
	void *prev = NULL;
	int n = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(fd, &key, &value)) {
			fn(ctx, key, &value);
			n++;
		}
	}
	(void)src;
	return errno == ENOENT ? n : -errno;
}

int bpf_source__read_traffic(struct bpf_source *src, traffic_fn fn, void *ctx)
{
	static uint64_t keys[TRAFFIC_BATCH];
	static struct ct_traffic values[TRAFFIC_BATCH];
	int fd = bpf_map__fd(src->skel->maps.traffic), n = 0;
	uint64_t batch = 0;
	void *in = NULL;
	bool done = false;

	if (src->traffic != TRAFFIC_BPF)
		return 0;
	if (src->batch_unsupported)
		return read_traffic_by_key(src, fd, fn, ctx);
	while (!done) {
		__u32 count = TRAFFIC_BATCH, i;
		int err = bpf_map_lookup_batch(fd, in, &batch, keys, values, &count, NULL);

		if (err && errno != ENOENT) {
			if ((errno == EINVAL || errno == ENOTSUP || errno == EOPNOTSUPP) && !n &&
			    !in) {
				src->batch_unsupported = true;
				return read_traffic_by_key(src, fd, fn, ctx);
			}
			return -errno;
		}
		done = err != 0; /* ENOENT: this was the last batch */
		for (i = 0; i < count; i++)
			fn(ctx, keys[i], &values[i]);
		n += (int)count;
		in = &batch;
	}
	return n;
}
