// SPDX-License-Identifier: GPL-2.0-only
#include "bpf_loader.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/capability.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/types.h>

#include "conntop.skel.h"
#include "clock.h"
#include "conntop/event.h"
#include "log.h"
#include "reorder.h"

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"

/* The ways to hook a connection's life, in the order auto tries them (see conntop.bpf.c). */
enum variant {
	V_TP_BTF,
	V_RAW_TP,
	V_TP,
	V_FENTRY,
	V_KPROBE,
	V_COUNT,
};

static const char *const variant_names[V_COUNT] = {
	[V_TP_BTF] = "tp_btf", [V_RAW_TP] = "raw_tp", [V_TP] = "tp",
	[V_FENTRY] = "fentry", [V_KPROBE] = "kprobe",
};

static const enum hooks variant_family[V_COUNT] = {
	[V_TP_BTF] = HOOKS_TRACEPOINT, [V_RAW_TP] = HOOKS_TRACEPOINT, [V_TP] = HOOKS_TRACEPOINT,
	[V_FENTRY] = HOOKS_FENTRY,     [V_KPROBE] = HOOKS_KPROBE,
};

struct bpf_source {
	struct conntop_bpf *skel;
	struct btf *vmlinux; /* the kernel's BTF while probing, once read (kernel_btf()) */
	bool vmlinux_read;
	enum variant variant;
	enum transport transport; /* TRANSPORT_RINGBUF or TRANSPORT_PERFBUF */
	struct ring_buffer *ring; /* the ring buffer's reader */
	struct perf_buffer *perf; /* or the perf buffers' */
	struct reorder *reorder; /* perf buffers: records merged by timestamp */
	uint64_t perf_lost; /* perf buffers: what the kernel said it could not write, so far */
	record_fn on_record;
	void *ctx;
	size_t ring_records; /* the most records the ring can hold at once */
	size_t budget, taken; /* ring buffer: records this drain may take, and has taken */
	int ncpus;
	enum traffic_mode traffic;
	bool sk_storage; /* TRAFFIC_BPF: counted in socket storage (else in the hash map) */
	bool owner_iter; /* dump_socket_owners is loaded: owners without a walk of /proc */
	bool batch_unsupported; /* bpf_map_lookup_batch is not there (before 5.6): key by key */
};

#define TRAFFIC_BATCH 4096

_Static_assert(sizeof(struct ct_traffic_record) == CT_TRAFFIC_RECORD_SIZE,
	       "kernel/user traffic record layout changed");
_Static_assert(sizeof(struct ct_socket_owner) == 8, "kernel/user socket owner layout changed");

int bpf_check_ringbuf_size(size_t size)
{
	long page = sysconf(_SC_PAGESIZE);

	if (size < (size_t)page || (size & (size - 1)) || size > (1ul << 30))
		return -EINVAL;
	return 0;
}

/* The words --transport takes. */
static const char *transport_name(enum transport transport)
{
	return transport == TRANSPORT_PERFBUF ? "perfbuf" : "ringbuf";
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

/* Where tracefs shows its events, or NULL when it is not mounted. */
static const char *tracefs_events(void)
{
	static const char *const dirs[] = { "/sys/kernel/tracing/events",
					    "/sys/kernel/debug/tracing/events" };
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (access(dirs[i], F_OK) == 0)
			return dirs[i];
	return NULL;
}

/*
 * Classic tracepoints are found through tracefs. When the host has not mounted it, mount it in a
 * mount namespace of our own (slave, so later host mounts such as `ip netns add` still reach us):
 * the host's mount table stays as it was. 0, or -errno, quietly (ensure_tracefs() says why).
 */
static int mount_tracefs(void)
{
	if (tracefs_events())
		return 0;
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) ||
	    mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL))
		return -errno;
	log_debug("mounted tracefs at /sys/kernel/tracing in a private mount namespace");
	return 0;
}

static int ensure_tracefs(void)
{
	int err = mount_tracefs();

	if (err)
		log_error("failed to mount tracefs at /sys/kernel/tracing: %s; mount it with "
			  "'mount -t tracefs nodev /sys/kernel/tracing'",
			  strerror(-err));
	return err;
}

/*
 * The kernel's BTF, read at the first probe that needs it (NULL if unreadable). libbpf reads it
 * again to load the programs, and one read is ~7 ms of start-up: the usual probes ask tracefs.
 */
static const struct btf *kernel_btf(struct bpf_source *src)
{
	if (!src->vmlinux_read)
		src->vmlinux = btf__load_vmlinux_btf();
	src->vmlinux_read = true;
	return src->vmlinux;
}

/*
 * Whether the running kernel has the tracepoint @group/@name: in tracefs when it is mounted
 * (bpf_source__open() mounts it first when a variant may need it), else in its BTF
 * (btf_trace_@name).
 */
static bool has_tracepoint(struct bpf_source *src, const char *group, const char *name)
{
	const char *events = tracefs_events();
	const struct btf *vmlinux;
	char path[192];

	if (events) {
		snprintf(path, sizeof(path), "%s/%s/%s", events, group, name);
		return access(path, F_OK) == 0;
	}
	vmlinux = kernel_btf(src);
	snprintf(path, sizeof(path), "btf_trace_%s", name);
	return vmlinux && btf__find_by_name_kind(vmlinux, path, BTF_KIND_TYPEDEF) > 0;
}

/*
 * Bytes are counted in the kernel when it has the tracepoints (Linux 6.3+), found by probing
 * (has_tracepoint()), never by its version, and the hooks are tracing programs that can name
 * sockets (by cookie, and give them storage); else user space reads them from sock_diag.
 */
static bool kernel_counts_bytes(struct bpf_source *src, bool have_cookies)
{
	return have_cookies && has_tracepoint(src, "sock", "sock_send_length") &&
	       has_tracepoint(src, "sock", "sock_recv_length") &&
	       has_tracepoint(src, "tcp", "tcp_retransmit_skb");
}

/*
 * Whether the kernel has socket storage (5.2+). Its iterator (5.9+) and its use from tracing
 * programs (5.11+) show only at load, which falls back to the hash map: see open_variant. (Not
 * looked up in the BTF: the usual start reads none, see kernel_btf().)
 */
static bool kernel_has_sk_storage(void)
{
	return libbpf_probe_bpf_map_type(BPF_MAP_TYPE_SK_STORAGE, NULL) == 1;
}

/*
 * How bytes are counted (see kernel_counts_bytes), and where: in socket storage when @extras
 * allow it, the kernel has it and the hash map is not asked for, else in the hash map. Programs
 * not used are not loaded, maps not used are not created (the hash map's 262,144 preallocated
 * entries took ~8 ms of start-up).
 */
static enum traffic_mode choose_traffic(struct bpf_source *src, enum traffic_mode wanted,
					bool extras)
{
	struct conntop_bpf *skel = src->skel;
	bool can = kernel_counts_bytes(src, skel->rodata->have_cookies);
	enum traffic_mode mode = wanted == TRAFFIC_OFF	    ? TRAFFIC_OFF :
				 wanted == TRAFFIC_SOCKDIAG ? TRAFFIC_SOCKDIAG :
				 can			    ? TRAFFIC_BPF :
							      TRAFFIC_SOCKDIAG;

	if ((wanted == TRAFFIC_BPF || wanted == TRAFFIC_BPF_HASH) && !can)
		log_warn("%s: bytes come from sock_diag at each refresh",
			 skel->rodata->have_cookies ?
				 "this kernel has no sock_send_length/sock_recv_length "
				 "tracepoints (Linux 6.3+)" :
				 "these hooks cannot count bytes by socket cookie");
	bpf_program__set_autoload(skel->progs.count_send, mode == TRAFFIC_BPF);
	bpf_program__set_autoload(skel->progs.count_receive, mode == TRAFFIC_BPF);
	bpf_program__set_autoload(skel->progs.count_retransmit, mode == TRAFFIC_BPF);
	src->sk_storage = mode == TRAFFIC_BPF && extras && wanted != TRAFFIC_BPF_HASH &&
			  kernel_has_sk_storage();
	skel->rodata->count_bytes = mode == TRAFFIC_BPF;
	skel->rodata->use_sk_storage = src->sk_storage;
	bpf_program__set_autoload(skel->progs.dump_sk_traffic, src->sk_storage);
	bpf_map__set_autocreate(skel->maps.sk_traffic, src->sk_storage);
	bpf_map__set_autocreate(skel->maps.traffic, mode == TRAFFIC_BPF && !src->sk_storage);
	return mode;
}

/*
 * The ring buffer when the kernel has it (probed: BPF_MAP_TYPE_RINGBUF, never the kernel's
 * version), else perf buffers. Asked for a ring buffer the kernel lacks: an error.
 */
static int choose_transport(struct bpf_source *src, enum transport wanted)
{
	struct conntop_bpf *skel = src->skel;
	bool has_ringbuf = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1;

	if (wanted == TRANSPORT_RINGBUF && !has_ringbuf) {
		log_error(
			"this kernel has no BPF ring buffer (Linux 5.8+); use --transport perfbuf "
			"or auto");
		return -ENOTSUP;
	}
	src->transport = wanted == TRANSPORT_PERFBUF ? TRANSPORT_PERFBUF :
			 wanted == TRANSPORT_RINGBUF ? TRANSPORT_RINGBUF :
			 has_ringbuf		     ? TRANSPORT_RINGBUF :
						       TRANSPORT_PERFBUF;
	log_debug("transport: %s", transport_name(src->transport));
	skel->rodata->use_perfbuf = src->transport == TRANSPORT_PERFBUF;
	/* The other transport's map is not created: a kernel before 5.8 could not. */
	bpf_map__set_autocreate(skel->maps.events, src->transport == TRANSPORT_RINGBUF);
	bpf_map__set_autocreate(skel->maps.perf_events, src->transport == TRANSPORT_PERFBUF);
	return 0;
}

/*
 * @extras: what newer kernels have, tried first (see open_variant()): bytes in socket storage
 * when wanted, and the iterator over every process's files for the sockets' owners.
 */
static int configure(struct bpf_source *src, const struct bpf_source_opts *opts, bool extras)
{
	struct conntop_bpf *skel = src->skel;
	int err = choose_transport(src, opts->transport);

	if (err)
		return err;
	err = bpf_map__set_max_entries(skel->maps.events, opts->ringbuf_size);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.pending, opts->pending_max);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.traffic, opts->traffic_max ?: 1);
	skel->rodata->have_cookies = bpf_source__has_cookies(src);
	src->traffic = choose_traffic(src, opts->traffic, extras);
	src->owner_iter = extras;
	bpf_program__set_autoload(skel->progs.dump_socket_owners, extras);
	/* Wake the reader early only when a quarter of the ring waits; it drains on its tick. */
	skel->rodata->wakeup_bytes = opts->ringbuf_size / 4;
	return err;
}

struct hook {
	struct bpf_program *prog;
	struct bpf_link **link;
};

#define HOOK(skel, name) ((struct hook){ (skel)->progs.name, &(skel)->links.name })
#define MAX_HOOKS	 5

/*
 * The programs of variant @v, in the order they must be attached: a second copy after its
 * first (the probes of a tracepoint run in the order they were attached). Returns how many.
 */
static size_t variant_hooks(struct conntop_bpf *skel, enum variant v, struct hook *out)
{
	size_t n = 0;

	switch (v) {
	case V_TP_BTF:
		out[n++] = HOOK(skel, handle_set_state);
		out[n++] = HOOK(skel, handle_set_state_nested);
		break;
	case V_RAW_TP:
		out[n++] = HOOK(skel, raw_set_state);
		out[n++] = HOOK(skel, raw_set_state_nested);
		break;
	case V_TP:
		out[n++] = HOOK(skel, tp_set_state);
		break;
	case V_FENTRY:
		out[n++] = HOOK(skel, fentry_inet_sk_set_state);
		out[n++] = HOOK(skel, fentry_inet_sk_set_state_nested);
		out[n++] = HOOK(skel, fentry_inet_sk_state_store);
		out[n++] = HOOK(skel, fentry_inet_sk_state_store_nested);
		out[n++] = HOOK(skel, fexit_accept);
		return n;
	case V_KPROBE:
		out[n++] = HOOK(skel, kprobe_inet_sk_set_state);
		out[n++] = HOOK(skel, kprobe_inet_sk_state_store);
		out[n++] = HOOK(skel, kretprobe_accept);
		return n;
	default:
		return 0;
	}
	/* The tracepoint variants see accepts at the syscalls' exits. */
	out[n++] = HOOK(skel, handle_accept4_exit);
	out[n++] = HOOK(skel, handle_accept_exit);
	return n;
}

/* Only @v's programs are loaded: the others may not even verify on this kernel. */
static void choose_hooks(struct conntop_bpf *skel, enum variant v)
{
	struct hook hooks[MAX_HOOKS];
	size_t n, i;
	int other;

	for (other = 0; other < V_COUNT; other++) {
		n = variant_hooks(skel, other, hooks);
		for (i = 0; i < n; i++)
			bpf_program__set_autoload(hooks[i].prog, false);
	}
	n = variant_hooks(skel, v, hooks);
	for (i = 0; i < n; i++)
		bpf_program__set_autoload(hooks[i].prog, true);
}

static int attach_hook(struct hook hook)
{
	if (!bpf_program__autoload(hook.prog))
		return 0; /* not loaded: this kernel counts bytes another way */
	*hook.link = bpf_program__attach(hook.prog);
	if (!*hook.link) {
		int err = -errno;

		log_error("failed to attach %s: %s; see 'conntop -v' for details",
			  bpf_program__section_name(hook.prog), strerror(-err));
		return err;
	}
	return 0;
}

/*
 * The iterators: over every process's files, read at start (see bpf_source__socket_owners), and
 * over every socket's storage, read at each refresh (see read_sk_traffic).
 */
static int attach_iterators(struct conntop_bpf *skel)
{
	LIBBPF_OPTS(bpf_iter_attach_opts, opts);
	union bpf_iter_link_info info = {};

	if (bpf_program__autoload(skel->progs.dump_socket_owners)) {
		skel->links.dump_socket_owners =
			bpf_program__attach_iter(skel->progs.dump_socket_owners, NULL);
		if (!skel->links.dump_socket_owners) {
			int err = -errno;

			log_error(
				"failed to attach the socket owner iterator: %s; see 'conntop -v' "
				"for details",
				strerror(-err));
			return err;
		}
	}
	if (!bpf_program__autoload(skel->progs.dump_sk_traffic))
		return 0;
	info.map.map_fd = bpf_map__fd(skel->maps.sk_traffic);
	opts.link_info = &info;
	opts.link_info_len = sizeof(info);
	skel->links.dump_sk_traffic = bpf_program__attach_iter(skel->progs.dump_sk_traffic, &opts);
	if (!skel->links.dump_sk_traffic) {
		int err = -errno;

		log_error("failed to attach the socket storage iterator: %s; see 'conntop -v' for "
			  "details",
			  strerror(-err));
		return err;
	}
	return 0;
}

static int attach(struct conntop_bpf *skel, enum variant v)
{
	struct hook hooks[MAX_HOOKS];
	struct hook traffic[] = {
		HOOK(skel, count_send),
		HOOK(skel, count_receive),
		HOOK(skel, count_retransmit),
	};
	size_t n = variant_hooks(skel, v, hooks), i;
	int err = 0;

	for (i = 0; i < n && !err; i++)
		err = attach_hook(hooks[i]);
	for (i = 0; i < sizeof(traffic) / sizeof(traffic[0]) && !err; i++)
		err = attach_hook(traffic[i]);
	return err ? err : attach_iterators(skel);
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

/*
 * What ring_callback returns to make libbpf stop: the record was taken and the consumer position
 * moves past it, the rest waits. libbpf's consume otherwise runs until the ring is empty, which
 * under a churn faster than conntop never happens, and the keys and frames would wait forever.
 */
#define RING_BUDGET_SPENT (-EAGAIN)

static int ring_callback(void *ctx, void *data, size_t size)
{
	struct bpf_source *src = ctx;

	src->on_record(src->ctx, data, size);
	/* A bad record is counted by the callee; only the drain's budget stops it. */
	return ++src->taken < src->budget ? 0 : RING_BUDGET_SPENT;
}

/* What perf_buffer__new_raw() hands over: struct perf_event_header and what follows it. */
struct perf_sample {
	struct perf_event_header header;
	uint32_t size;
	unsigned char data[];
};

struct perf_lost {
	struct perf_event_header header;
	uint64_t id;
	uint64_t lost;
};

/* The kernel pads a raw sample (u32 size + data) to 8 bytes: a record's size as it arrives. */
#define PERF_RECORD_SIZE ((CT_EVENT_SIZE + sizeof(uint32_t) + 7) / 8 * 8 - sizeof(uint32_t))

static enum bpf_perf_event_ret perf_callback(void *ctx, int cpu, struct perf_event_header *header)
{
	struct bpf_source *src = ctx;

	if (header->type == PERF_RECORD_SAMPLE) {
		struct perf_sample *sample = (struct perf_sample *)header;
		size_t size = sample->size == PERF_RECORD_SIZE ? CT_EVENT_SIZE : sample->size;
		int over = reorder_push(src->reorder, cpu, sample->data, size);

		if (over < 0) /* not kept: hand it on now, out of order, rather than lose it */
			src->on_record(src->ctx, sample->data, size);
		else if (over)
			reorder_release(src->reorder, 0, src->on_record, src->ctx); /* the excess */
	} else if (header->type == PERF_RECORD_LOST) {
		src->perf_lost += ((struct perf_lost *)header)->lost;
	}
	return LIBBPF_PERF_EVENT_CONT;
}

/*
 * Each CPU's buffer: the ring buffer's size split over the CPUs, a power of two of pages. The
 * kernel wakes the reader only when a quarter of one CPU's buffer waits (a watermark, not a
 * wake-up per record: the reader drains on its tick), as the ring buffer's programs do.
 */
static struct perf_buffer *open_perf_buffers(struct bpf_source *src,
					     const struct bpf_source_opts *opts)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), per_cpu = page, pages;
	int ncpus = src->ncpus > 0 ? src->ncpus : 1;
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_BPF_OUTPUT,
		.sample_period = 1,
		.sample_type = PERF_SAMPLE_RAW,
		.watermark = 1,
	};

	while (per_cpu * 2 <= opts->ringbuf_size / (size_t)ncpus)
		per_cpu *= 2;
	pages = per_cpu / page;
	attr.wakeup_watermark = (__u32)(per_cpu / 4);
	log_debug("perf buffers: %d CPUs, %zu pages each", ncpus, pages);
	return perf_buffer__new_raw(bpf_map__fd(src->skel->maps.perf_events), pages, &attr,
				    perf_callback, src, NULL);
}

/* The reader, made before the programs are attached: a perf buffer must exist to be written. */
static int open_reader(struct bpf_source *src, const struct bpf_source_opts *opts)
{
	struct reorder_opts reorder_opts = {
		.max_held = opts->reorder_max,
		.record_size = CT_EVENT_SIZE,
	};

	if (src->transport == TRANSPORT_RINGBUF) {
		/* Each record is the kernel's 8-byte header and the record, 8-byte aligned. */
		src->ring_records = opts->ringbuf_size / ((CT_EVENT_SIZE + 8 + 7) / 8 * 8) + 1;
		src->ring = ring_buffer__new(bpf_map__fd(src->skel->maps.events), ring_callback,
					     src, NULL);
		if (!src->ring) {
			log_error("failed to create the ring buffer reader: %s", strerror(errno));
			return -errno;
		}
		return 0;
	}
	src->reorder = reorder__new(&reorder_opts);
	if (!src->reorder) {
		log_error("failed to start: out of memory");
		return -ENOMEM;
	}
	src->perf = open_perf_buffers(src, opts);
	if (!src->perf) {
		log_error("failed to create the perf buffer reader: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static uint64_t percpu_sum(const struct bpf_source *src, const struct bpf_map *map, uint32_t key);

/* Whether the kernel has what variant @v hooks into, as far as can be told without loading. */
static bool variant_possible(struct bpf_source *src, enum variant v)
{
	static const char *const functions[] = { "inet_sk_set_state", "inet_sk_state_store",
						 "inet_csk_accept" };
	const struct btf *vmlinux;
	bool possible = true;
	size_t i;

	switch (v) {
	case V_TP_BTF:
		possible = has_tracepoint(src, "sock", "inet_sock_set_state");
		break;
	case V_FENTRY:
		vmlinux = kernel_btf(src);
		for (i = 0; i < sizeof(functions) / sizeof(functions[0]); i++)
			possible = possible && vmlinux &&
				   btf__find_by_name_kind(vmlinux, functions[i], BTF_KIND_FUNC) > 0;
		break;
	case V_KPROBE:
		possible = access("/sys/bus/event_source/devices/kprobe", F_OK) == 0 ||
			   access("/sys/kernel/tracing/kprobe_events", F_OK) == 0;
		break;
	default:
		break; /* a tracepoint: tried */
	}
	if (!possible)
		log_debug("hooks %s: not in this kernel", variant_names[v]);
	return possible;
}

static bool variant_allowed(enum variant v, enum hooks hooks)
{
	switch (hooks) {
	case HOOKS_AUTO:
		return true;
	case HOOKS_TP_BTF:
		return v == V_TP_BTF;
	case HOOKS_RAW_TP:
		return v == V_RAW_TP;
	case HOOKS_TP:
		return v == V_TP;
	default:
		return variant_family[v] == hooks;
	}
}

/* Undoes what an attempt made, so another can start from nothing. */
static void close_attempt(struct bpf_source *src)
{
	if (src->perf && src->skel)
		log_debug("perf buffers: the programs counted %llu records refused, the kernel "
			  "reported %llu",
			  (unsigned long long)percpu_sum(src, src->skel->maps.perf_full, 0),
			  (unsigned long long)src->perf_lost);
	ring_buffer__free(src->ring);
	perf_buffer__free(src->perf);
	conntop_bpf__destroy(src->skel); /* detaches every link */
	reorder__free(
		src->reorder); /* what it still holds, newer than the last frame, is not shown */
	src->ring = NULL;
	src->perf = NULL;
	src->skel = NULL;
	src->reorder = NULL;
	src->perf_lost = 0;
}

/* open -> configure -> load -> attach, with @v's hooks. 0, or -errno with the cause logged. */
static int open_variant_once(struct bpf_source *src, const struct bpf_source_opts *opts,
			     enum variant v, bool extras)
{
	int err;

	log_debug("hooks %s: trying%s", variant_names[v],
		  extras ? " with the owner iterator and, if bytes are counted, socket storage" :
			   "");
	src->variant = v;
	if (variant_family[v] == HOOKS_TRACEPOINT && (err = ensure_tracefs()))
		return err;
	src->skel = conntop_bpf__open();
	if (!src->skel) {
		err = -errno;
		log_error("failed to open the eBPF object: %s", strerror(-err));
		return err;
	}
	choose_hooks(src->skel, v);
	err = configure(src, opts, extras);
	if (err) {
		log_error("failed to configure the eBPF maps: %s", strerror(-err));
		return err;
	}
	err = conntop_bpf__load(src->skel);
	if (err) {
		explain_load_failure(err);
		return err;
	}
	err = open_reader(src, opts);
	return err ? err : attach(src->skel, v);
}

/*
 * Variant @v, first with what newer kernels have (configure()'s extras): an iterator over every
 * process's files (5.8+), bytes in socket storage if the kernel seems to have it (tracing programs
 * may use it from 5.11, the iterator's helpers from 5.12). When the kernel refuses either, again
 * without both: owners from /proc, bytes in the hash map. Only the last attempt's errors reach
 * the user unless @demoted.
 */
static int open_variant(struct bpf_source *src, const struct bpf_source_opts *opts, enum variant v,
			bool demoted)
{
	int err;

	log_demote_errors(1);
	err = open_variant_once(src, opts, v, true);
	log_demote_errors(demoted);
	if (!err)
		return 0;
	log_debug("hooks %s: failed with the owner iterator or socket storage (%s); trying again "
		  "without",
		  variant_names[v], strerror(-err));
	close_attempt(src);
	return open_variant_once(src, opts, v, false);
}

int bpf_source__open(struct bpf_source **out, const struct bpf_source_opts *opts,
		     record_fn on_record, void *ctx)
{
	struct bpf_source *src;
	bool tried = false;
	int err = -ENOTSUP, v;

	*out = NULL;
	libbpf_set_print(libbpf_to_log);
	if ((err = check_privileges()) || (err = check_btf()))
		return err;
	src = calloc(1, sizeof(*src));
	if (!src)
		return -ENOMEM;
	src->on_record = on_record;
	src->ctx = ctx;
	src->ncpus = libbpf_num_possible_cpus();
	for (v = 0; v < V_COUNT; v++) /* for the probes too: quietly, the variant says why */
		if (variant_allowed(v, opts->hooks) && variant_family[v] == HOOKS_TRACEPOINT) {
			mount_tracefs();
			break;
		}

	/*
	 * The best variant that loads and attaches. The first failure is the one the user reads;
	 * later ones are details for -v.
	 */
	err = -ENOTSUP;
	for (v = 0; v < V_COUNT; v++) {
		if (!variant_allowed(v, opts->hooks) || !variant_possible(src, v))
			continue;
		log_demote_errors(tried);
		err = open_variant(src, opts, v, tried);
		tried = true;
		if (!err)
			break;
		close_attempt(src);
	}
	log_demote_errors(0);
	/* Only the probes above read it: its ~6 MB are not kept for the whole run. */
	btf__free(src->vmlinux);
	src->vmlinux = NULL;
	if (err) {
		if (!tried)
			log_error("this kernel has none of the hooks asked for (--hooks); "
				  "'conntop -v' says what was probed");
		bpf_source__free(src);
		return err;
	}
	log_debug("hooks: %s", variant_names[src->variant]);
	if (src->traffic == TRAFFIC_SOCKDIAG)
		log_info("bytes: read from sock_diag (tcp_info) at each refresh");
	else if (src->traffic == TRAFFIC_BPF)
		log_info("bytes: counted in %s", src->sk_storage ?
							 "socket storage, read by an iterator" :
							 "a hash map keyed by socket cookie");
	log_info("socket owners at start: %s",
		 src->owner_iter ? "from the kernel's iterator over process files" :
				   "from a walk of /proc/<pid>/fd");
	if (src->variant == V_TP || src->variant == V_KPROBE)
		log_warn("hooks %s: a run the kernel skips because another BPF program runs on the "
			 "same CPU is not counted by kernels before 6.7; healing corrects what it "
			 "loses (counted as corrections)",
			 variant_names[src->variant]);
	*out = src;
	return 0;
}

void bpf_source__free(struct bpf_source *src)
{
	if (!src)
		return;
	close_attempt(src);
	btf__free(src->vmlinux);
	free(src);
}

int bpf_source__fd(const struct bpf_source *src)
{
	return src->perf ? perf_buffer__epoll_fd(src->perf) : ring_buffer__epoll_fd(src->ring);
}

static int drain_perf(struct bpf_source *src)
{
	/* Before reading any buffer: a CPU that wrote nothing older by now will not (see reorder.h). */
	uint64_t watermark = monotonic_ns();
	int err;

	/*
	 * poll with no wait only takes the wake-ups (and the buffers that had them), so the fd
	 * does not stay readable; consume then reads every buffer, woken or not.
	 */
	err = perf_buffer__poll(src->perf, 0);
	if (err >= 0 || err == -EINTR)
		err = perf_buffer__consume(src->perf);
	if (err < 0)
		return err; /* what was taken in is handed on at the next drain */
	return (int)reorder_release(src->reorder, watermark, src->on_record, src->ctx);
}

int bpf_source__drain(struct bpf_source *src, enum drain_until until)
{
	int err;

	if (src->perf)
		return drain_perf(src);
	src->taken = 0;
	src->budget = until == DRAIN_NOW_WAITING ? src->ring_records : DRAIN_BUDGET;
	/* consume, not poll: records submitted without a wake-up never make the fd readable. */
	err = ring_buffer__consume(src->ring);
	return err == RING_BUDGET_SPENT ? (int)src->taken : err;
}

bool bpf_source__has_cookies(const struct bpf_source *src)
{
	return src->variant == V_TP_BTF || src->variant == V_FENTRY;
}

void bpf_source__describe(const struct bpf_source *src, char *buf, size_t size)
{
	/* The words the options take, and short: a recording keeps 31 characters of it. */
	snprintf(buf, size, "eBPF %s, %s", variant_names[src->variant],
		 transport_name(src->transport));
}

static uint64_t percpu_sum(const struct bpf_source *src, const struct bpf_map *map, uint32_t key)
{
	uint64_t values[src->ncpus > 0 ? src->ncpus : 1];
	uint64_t sum = 0;
	int cpu;

	if (src->ncpus <= 0)
		return 0;
	/*
	 * The kernel fills one value per possible CPU. Zeroed first, the sum stays defined should it
	 * fill fewer, and valgrind, which takes a per-CPU map's value for one CPU's, sees it written.
	 */
	memset(values, 0, sizeof(values));
	if (bpf_map_lookup_elem(bpf_map__fd(map), &key, values))
		return 0;
	for (cpu = 0; cpu < src->ncpus; cpu++)
		sum += values[cpu];
	return sum;
}

static uint64_t stat_sum(const struct bpf_source *src, uint32_t key)
{
	return percpu_sum(src, src->skel->maps.stats, key);
}

/*
 * Records the perf buffers had no room for. The programs count each at once; the kernel's own
 * count (PERF_RECORD_LOST) comes with a CPU's next record, and is the one to trust should a
 * kernel's helper not say -ENOSPC. Both count the same records: the larger, never the sum.
 */
static uint64_t perf_refused(const struct bpf_source *src)
{
	uint64_t programs;

	if (!src->perf)
		return 0;
	programs = percpu_sum(src, src->skel->maps.perf_full, 0);
	return programs > src->perf_lost ? programs : src->perf_lost;
}

static bool counts_traffic(const struct bpf_source *src, const struct bpf_program *prog)
{
	return prog == src->skel->progs.count_send || prog == src->skel->progs.count_receive ||
	       prog == src->skel->progs.count_retransmit;
}

/*
 * Whether @prog is the second copy of a state-change hook: when it is skipped, the first one ran
 * and handled the call. fentry copies learn their order from the kernel (see fentry_copy).
 */
static bool is_second_copy(const struct bpf_source *src, const struct bpf_program *prog)
{
	const struct conntop_bpf *skel = src->skel;
	bool a_first = skel->bss->fentry_first != 2;

	if (prog == skel->progs.handle_set_state_nested || prog == skel->progs.raw_set_state_nested)
		return true;
	if (prog == skel->progs.fentry_inet_sk_set_state_nested ||
	    prog == skel->progs.fentry_inet_sk_state_store_nested)
		return a_first;
	if (prog == skel->progs.fentry_inet_sk_set_state ||
	    prog == skel->progs.fentry_inet_sk_state_store)
		return !a_first;
	return false;
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
		if (is_second_copy(src, prog) || counts_traffic(src, prog) != traffic ||
		    bpf_program__fd(prog) < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			sum += info.recursion_misses;
	}
	return sum;
}

void bpf_source__read_stats(const struct bpf_source *src, struct source_stats *stats)
{
	struct reorder_stats reorder = { 0 };
	uint64_t misses;

	stats->lost = stat_sum(src, CT_STAT_LOST) + perf_refused(src);
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
	if (src->reorder)
		reorder_read_stats(src->reorder, &reorder);
	stats->late_records = reorder.late;
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

/* A record an iterator wrote; 0 to go on, or a negative errno to stop with it. */
typedef int (*iter_record_fn)(void *ctx, const void *record);

#define ITER_BUF_SIZE (128 * 1024)

/*
 * Reads a new instance of the iterator @link: the kernel writes records of @size bytes, as many as
 * fit in each read (its buffer: 8 pages), and each whole one goes to @fn. Returns how many, or a
 * negative errno.
 */
static int read_iterator(struct bpf_link *link, size_t size, iter_record_fn fn, void *ctx)
{
	unsigned char *buf = malloc(ITER_BUF_SIZE);
	int fd = bpf_iter_create(bpf_link__fd(link)), n = 0, err = 0;
	size_t have = 0, off;
	ssize_t got;

	if (fd < 0 || !buf) {
		err = fd < 0 ? -errno : -ENOMEM;
		goto out;
	}
	while (!err) {
		got = read(fd, buf + have, ITER_BUF_SIZE - have);
		/* EAGAIN: the kernel walked its most objects a read may (a million) and wrote none. */
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got <= 0) {
			err = got < 0 ? -errno : 0;
			break;
		}
		have += (size_t)got;
		for (off = 0; !err && off + size <= have; off += size, n++)
			err = fn(ctx, buf + off);
		memmove(buf, buf + off, have - off);
		have -= off;
	}
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return err ? err : n;
}

struct traffic_reader {
	traffic_fn fn;
	void *ctx;
};

static int hand_traffic(void *ctx, const void *record)
{
	const struct traffic_reader *reader = ctx;
	struct ct_traffic_record r;

	memcpy(&r, record, sizeof(r));
	reader->fn(reader->ctx, r.cookie, &r.traffic);
	return 0;
}

/* Every socket's storage, through a new instance of its iterator: one record a socket. */
static int read_sk_traffic(struct bpf_source *src, traffic_fn fn, void *ctx)
{
	struct traffic_reader reader = { fn, ctx };

	return read_iterator(src->skel->links.dump_sk_traffic, sizeof(struct ct_traffic_record),
			     hand_traffic, &reader);
}

struct owner_reader {
	owner_fn fn;
	void *ctx;
};

static int hand_owner(void *ctx, const void *record)
{
	const struct owner_reader *reader = ctx;
	struct ct_socket_owner r;

	memcpy(&r, record, sizeof(r));
	return reader->fn(reader->ctx, r.inode, (int)r.pid);
}

bool bpf_source__has_owners(const struct bpf_source *src)
{
	return src->owner_iter;
}

int bpf_source__socket_owners(struct bpf_source *src, owner_fn fn, void *ctx)
{
	struct owner_reader reader = { fn, ctx };
	int n;

	if (!src->owner_iter)
		return -ENOTSUP;
	n = read_iterator(src->skel->links.dump_socket_owners, sizeof(struct ct_socket_owner),
			  hand_owner, &reader);
	return n < 0 ? n : 0;
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
	if (src->sk_storage)
		return read_sk_traffic(src, fn, ctx);
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
