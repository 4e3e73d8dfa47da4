// SPDX-License-Identifier: GPL-2.0-only
/*
 * Recordings, in a fresh folder per test: a round trip gives the same frames, the header is
 * checked, damage is found at its record with what came before kept, strings from the file are
 * made printable, and the recorder never writes through a symlink.
 */
#include "test_util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "export.h"
#include "recording.h"
#include "resolve.h"
#include "snapshot.h"
#include "topology.h"
#include "tracker.h"

#define NETNS_A	    4026531840u /* test_event()'s */
#define NETNS_B	    4026532000u
#define MAX_FRAMES  8
#define MAX_RECORDS 128

struct folder {
	char dir[64];
	char path[PATH_MAX];
};

static int setup(void **state)
{
	struct folder *d = calloc(1, sizeof(*d));

	snprintf(d->dir, sizeof(d->dir), "%s/conntop-recording-XXXXXX", getenv("TMPDIR") ?: "/tmp");
	if (!mkdtemp(d->dir))
		return -1;
	*state = d;
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct folder *d = *state;

	nftw(d->dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
	free(d);
	return 0;
}

/* "<folder>/@name". */
static const char *in(struct folder *d, const char *name)
{
	snprintf(d->path, sizeof(d->path), "%s/%s", d->dir, name);
	return d->path;
}

static unsigned char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long size;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size >= 0);
	rewind(f);
	buf = malloc((size_t)size + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	*len = (size_t)size;
	return buf;
}

static void write_all(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* The head before every record, as recording.c lays it out. */
struct test_head {
	uint32_t type;
	uint32_t size;
	uint32_t crc;
};

/* The CRC-32 of a record, as recording.c computes it: the type and size, then the payload. */
static uint32_t test_crc(const struct test_head *head, const void *payload)
{
	uLong crc = crc32(0L, Z_NULL, 0);

	crc = crc32(crc, (const Bytef *)head, offsetof(struct test_head, crc));
	if (head->size)
		crc = crc32(crc, payload, head->size);
	return (uint32_t)crc;
}

/* One record as the live side wrote it: where it is and the tracker's counters before it. */
struct record_info {
	uint32_t type, size;
	uint64_t offset;
	size_t frames_before; /* REC_FRAME records before it: frames a replay returns first */
	struct tracker_stats before;
};

/* One side, live or replayed: what app.c holds, and the frames it made, as JSON. */
struct session {
	struct tracker *tracker;
	struct topology *topology;
	struct resolver *resolver;
	struct recorder *recorder; /* live */
	struct replay *replay; /* replayed */
	struct recording_header header;
	struct snapshot *prev; /* the newest frame */
	char *json[MAX_FRAMES];
	size_t frames;
	struct record_info records[MAX_RECORDS]; /* live */
	size_t nrecords, nframe_records;
	uint64_t offset;
};

static void session_init(struct session *s)
{
	memset(s, 0, sizeof(*s));
	s->tracker = tracker__new(NULL);
	s->topology = topology__new(1024);
	s->resolver = resolver__new("/nonexistent"); /* never read: no resolver_update() */
	assert_non_null(s->tracker);
	assert_non_null(s->topology);
	assert_non_null(s->resolver);
}

static void session_free(struct session *s)
{
	size_t i;

	for (i = 0; i < s->frames; i++)
		free(s->json[i]);
	snapshot__free(s->prev);
	replay__close(s->replay);
	assert_int_equal(recorder__close(s->recorder), 0);
	resolver__free(s->resolver);
	topology__free(s->topology);
	tracker__free(s->tracker);
}

static void note(struct session *s, uint32_t type, size_t size)
{
	struct record_info *r;

	assert_true(s->nrecords < MAX_RECORDS);
	r = &s->records[s->nrecords++];
	r->type = type;
	r->size = (uint32_t)size;
	r->offset = s->offset;
	r->frames_before = s->nframe_records;
	r->before = *tracker_stats(s->tracker);
	if (type == REC_FRAME)
		s->nframe_records++;
	s->offset += sizeof(struct test_head) + size;
}

/* recorder_journal(), noting where each record goes. */
static void journal(void *ctx, enum tracker_input input, const void *data, size_t size)
{
	struct session *s = ctx;

	note(s, input, size);
	recorder_journal(s->recorder, input, data, size);
}

static void live_header(struct session *s)
{
	snprintf(s->header.host, sizeof(s->header.host), "host-1");
	snprintf(s->header.kernel, sizeof(s->header.kernel), "6.1.0-test");
	snprintf(s->header.source_kind, sizeof(s->header.source_kind), "ebpf");
	snprintf(s->header.source_name, sizeof(s->header.source_name), "eBPF, ring buffer");
	snprintf(s->header.conntop_version, sizeof(s->header.conntop_version), "9.9.9-test");
	s->header.boot_offset_ns = 1700000000ll * (int64_t)SEC_NS;
	s->header.started_ns = SEC_NS;
}

/* open_live() of app.c: the recorder, then the tracker's journal. */
static void live_start(struct session *s, const char *path)
{
	assert_int_equal(recorder__open(&s->recorder, path, &s->header), 0);
	s->offset = sizeof(s->header);
	tracker_set_journal(s->tracker, journal, s);
}

static void live_open(struct session *s, const char *path)
{
	session_init(s);
	live_header(s);
	live_start(s, path);
}

/* publish() of app.c: edges folded, the snapshot taken (kept in @s->prev) and kept as JSON. */
static void take(struct session *s, const struct recorded_frame *frame)
{
	struct snapshot_input in = {
		.tracker = s->tracker,
		.topology = s->topology,
		.resolver = s->resolver,
		.source = &frame->source,
		.seed = &frame->seed,
		.prev = s->prev,
		.host = s->header.host,
		.kernel = s->header.kernel,
		.source_name = s->header.source_name,
		.source_kind = s->header.source_kind,
		.now_ns = frame->now_ns,
		.wall = { .tv_sec = frame->wall_sec, .tv_nsec = frame->wall_nsec },
	};
	struct snapshot *snap;
	size_t len;
	FILE *out;

	assert_true(s->frames < MAX_FRAMES);
	assert_int_equal(topology_update(s->topology, s->tracker), 0);
	snap = snapshot_take(&in);
	assert_non_null(snap);
	out = open_memstream(&s->json[s->frames], &len);
	assert_non_null(out);
	assert_int_equal(export_json(out, snap), 0);
	assert_int_equal(fclose(out), 0);
	s->frames++;
	snapshot__free(s->prev);
	s->prev = snap;
}

/* live_frame() of app.c with its record_frame(): netns names, the frame, then publish(). */
static void live_frame(struct session *s, uint64_t now_s)
{
	struct recorded_frame frame = {
		.now_ns = now_s * SEC_NS,
		.wall_sec = 1700000000 + (int64_t)now_s,
		.wall_nsec = 250000000,
		.source = { .lost = now_s, .recursion_misses = 1, .connect_failed = 2 },
		.seed = { .passes = now_s / 2, .namespaces = 3, .sockets = 4 },
	};
	const struct netns_name *names;
	size_t n;

	names = resolver_netns_names(s->resolver, &n);
	note(s, REC_NETNS_NAMES, n * sizeof(*names));
	recorder_write(s->recorder, REC_NETNS_NAMES, names, n * sizeof(*names));
	note(s, REC_FRAME, sizeof(frame));
	recorder_write(s->recorder, REC_FRAME, &frame, sizeof(frame));
	assert_int_equal(recorder_flush(s->recorder), 0);
	take(s, &frame);
	tracker_end_frame(s->tracker);
}

static void replay_open(struct session *s, const char *path)
{
	char err[256] = "";

	session_init(s);
	assert_int_equal(replay__open(&s->replay, path, &s->header, err, sizeof(err)), 0);
	assert_string_equal(err, "");
}

/* replay_frame() of app.c, to the end or the first bad record: what replay_next_frame() said. */
static int replay_all(struct session *s)
{
	struct recorded_frame frame;
	int ret;

	while ((ret = replay_next_frame(s->replay, s->tracker, s->resolver, &frame)) > 0) {
		take(s, &frame);
		tracker_end_frame(s->tracker);
	}
	return ret;
}

static struct ct_event event(enum ct_event_type type, uint64_t cookie, uint64_t ts_ms, uint32_t pid,
			     const char *comm, const char *laddr, uint16_t lport, const char *raddr,
			     uint16_t rport)
{
	struct ct_event e = test_event_addr(type, cookie, pid, comm, laddr, lport, raddr, rport);

	e.ts_ns = ts_ms * 1000000ull;
	e.cgroup_id = 7000 + pid;
	return e;
}

static void apply(struct tracker *t, struct ct_event e)
{
	tracker_apply(t, &e);
}

static void close_(struct tracker *t, uint64_t cookie, uint64_t ts_ms)
{
	struct ct_event e = test_event(CT_EV_CLOSE, cookie, ts_ms * 1000000ull, 0, NULL);

	tracker_apply(t, &e);
}

static struct proc_key key_of(uint32_t pid)
{
	/* test_event()'s start time, in ticks */
	struct proc_key key = { .pid = pid, .start_ticks = 1000ull * pid / PROC_TICK_NS };

	return key;
}

static struct proc_detail detail(const char *comm, const char *cmdline, const char *user,
				 enum container_runtime runtime, const char *id, const char *name)
{
	struct proc_detail d;

	memset(&d, 0, sizeof(d));
	d.ppid = 1;
	d.uid = 33;
	snprintf(d.comm, sizeof(d.comm), "%s", comm);
	snprintf(d.cmdline, sizeof(d.cmdline), "%s", cmdline);
	snprintf(d.user, sizeof(d.user), "%s", user);
	d.container.runtime = runtime;
	snprintf(d.container.id, sizeof(d.container.id), "%s", id);
	snprintf(d.container_name.name, sizeof(d.container_name.name), "%s", name);
	return d;
}

static void give(struct tracker *t, uint32_t pid, struct proc_detail d)
{
	struct proc_key key = key_of(pid);

	tracker_give_detail(t, &key, &d);
}

static const char docker_id[] = "3f4e8a1c9b2d7e6f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071";

/*
 * Four frames of a small history: listeners, connects and accepts joined into edges, closes, an
 * invalid record, a heal of each kind, details with containers and pods, netns names coming and
 * going, and an empty frame.
 */
static void script(struct session *s, const char *path)
{
	struct netns_name names[2] = { { NETNS_A, "blue" }, { NETNS_B, "red" } };
	struct proc_detail d;
	struct ct_event e;

	live_open(s, path);

	apply(s->tracker,
	      event(CT_EV_LISTEN, 10, 1000, 100, "nginx", "0.0.0.0", 8080, "0.0.0.0", 0));
	apply(s->tracker,
	      event(CT_EV_CONNECT, 1, 2000, 200, "curl", "10.0.0.1", 40000, "10.0.0.2", 8080));
	apply(s->tracker,
	      event(CT_EV_ACCEPT, 2, 2001, 100, "nginx", "10.0.0.2", 8080, "10.0.0.1", 40000));
	apply(s->tracker,
	      event(CT_EV_CONNECT, 3, 2500, 200, "curl", "10.0.0.1", 40001, "93.184.216.34", 443));
	apply(s->tracker,
	      event(CT_EV_CONNECT, 6, 2600, 200, "curl", "fd00::1", 40002, "fd00::2", 22));
	give(s->tracker, 100,
	     detail("nginx", "nginx -g daemon off;", "www-data", CT_RUNTIME_DOCKER, docker_id,
		    "web"));
	give(s->tracker, 200, detail("curl", "curl http://10.0.0.2:8080/", "alice", 0, "", ""));
	give(s->tracker, 999, detail("gone", "not tracked", "", 0, "", "")); /* no such process */
	resolver_set_netns_names(s->resolver, names, 1);
	live_frame(s, 10);

	close_(s->tracker, 3, 11000);
	tracker_count_invalid(s->tracker);
	assert_int_equal(tracker_heal_close(s->tracker, 1, 11100), 0); /* its close was lost */
	assert_int_equal(tracker_heal_close(s->tracker, 77, 11100), -ENOENT);
	e = event(CT_EV_ACCEPT, 4, 11200, 100, "nginx", "10.0.0.2", 8080, "10.0.0.9", 50000);
	e.flags |= CT_F_SEEDED;
	tracker_heal_open(s->tracker, &e); /* its open was lost */
	e = event(CT_EV_CONNECT, 5, 11500, 300, "worker", "10.1.0.5", 41000, "10.0.0.2", 8080);
	e.netns = NETNS_B;
	tracker_apply(s->tracker, &e);
	close_(s->tracker, 5, 11600); /* shorter than a frame */
	d = detail("worker", "worker --queue=a", "", CT_RUNTIME_CONTAINERD, docker_id, "worker");
	snprintf(d.container.pod_uid, sizeof(d.container.pod_uid),
		 "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
	snprintf(d.container_name.pod_namespace, sizeof(d.container_name.pod_namespace), "jobs");
	snprintf(d.container_name.pod_name, sizeof(d.container_name.pod_name), "worker-7d9f");
	give(s->tracker, 300, d);
	resolver_set_netns_names(s->resolver, names, 2);
	live_frame(s, 12);

	apply(s->tracker, event(CT_EV_UNLISTEN, 10, 13000, 0, NULL, "0.0.0.0", 8080, "0.0.0.0", 0));
	close_(s->tracker, 2, 13100);
	close_(s->tracker, 4, 13200);
	d = detail("nginx", "nginx: worker process", "www-data", CT_RUNTIME_DOCKER, docker_id,
		   "web");
	d.gone = true;
	give(s->tracker, 100, d); /* read again, too late */
	resolver_set_netns_names(s->resolver, names, 0);
	live_frame(s, 14);

	live_frame(s, 16); /* nothing happened */
	assert_int_equal(recorder__close(s->recorder), 0);
	s->recorder = NULL;
}

static void replay_gives_the_same_frames(void **state)
{
	struct folder *d = *state;
	struct session live, replayed;
	size_t i;

	script(&live, in(d, "rec"));
	assert_int_equal(live.frames, 4);
	/* The script did what it says, so the comparison means something. */
	assert_non_null(strstr(live.json[0], "\"blue\""));
	assert_non_null(strstr(live.json[0], "nginx -g daemon off;"));
	assert_non_null(strstr(live.json[0], "\"web\""));
	assert_non_null(strstr(live.json[1], "\"red\""));
	assert_non_null(strstr(live.json[1], "jobs/worker-7d9f"));
	assert_non_null(strstr(live.json[1], "worker --queue=a"));
	assert_int_equal(tracker_stats(live.tracker)->invalid, 1);
	assert_int_equal(tracker_stats(live.tracker)->corrections, 2);

	replay_open(&replayed, in(d, "rec"));
	assert_string_equal(replayed.header.host, "host-1");
	assert_string_equal(replayed.header.kernel, "6.1.0-test");
	assert_string_equal(replayed.header.source_kind, "ebpf");
	assert_string_equal(replayed.header.source_name, "eBPF, ring buffer");
	assert_int_equal(replay_all(&replayed), 0);
	assert_int_equal(replayed.frames, live.frames);
	for (i = 0; i < live.frames; i++)
		assert_string_equal(replayed.json[i], live.json[i]);
	assert_memory_equal(tracker_stats(replayed.tracker), tracker_stats(live.tracker),
			    sizeof(struct tracker_stats));
	assert_int_equal(tracker_frame(replayed.tracker), tracker_frame(live.tracker));
	/* At the end it stays at the end. */
	assert_int_equal(replay_all(&replayed), 0);
	assert_int_equal(replayed.frames, live.frames);
	session_free(&replayed);
	session_free(&live);
}

static void empty_recording_has_no_frame(void **state)
{
	struct folder *d = *state;
	struct session live, replayed;

	live_open(&live, in(d, "rec"));
	assert_int_equal(recorder__close(live.recorder), 0);
	live.recorder = NULL;
	replay_open(&replayed, in(d, "rec"));
	assert_int_equal(replay_all(&replayed), 0);
	assert_int_equal(replayed.frames, 0);
	session_free(&replayed);
	session_free(&live);
}

/* A recording of one frame, for the header's tests: its bytes. */
static unsigned char *small_recording(struct folder *d, struct session *live, size_t *len)
{
	live_open(live, in(d, "rec"));
	apply(live->tracker,
	      event(CT_EV_CONNECT, 1, 1000, 100, "app", "10.0.0.1", 1, "10.0.0.2", 2));
	live_frame(live, 2);
	assert_int_equal(recorder__close(live->recorder), 0);
	live->recorder = NULL;
	return read_all(in(d, "rec"), len);
}

/* replay__open() of @buf written to a file: its return, with the reason in @err. */
static int open_bytes(struct folder *d, const void *buf, size_t len, char *err, size_t errlen)
{
	struct recording_header header;
	struct replay *replay = NULL;
	int ret;

	write_all(in(d, "bad"), buf, len);
	ret = replay__open(&replay, in(d, "bad"), &header, err, errlen);
	if (!ret)
		replay__close(replay);
	return ret;
}

/* Sets a u32 of the header and seals it again, as another build would have written it. */
static void patch_u32(unsigned char *buf, size_t offset, uint32_t value)
{
	uint32_t crc = 0;

	memcpy(buf + offset, &value, sizeof(value));
	memcpy(buf + offsetof(struct recording_header, crc), &crc, sizeof(crc));
	crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), buf, sizeof(struct recording_header));
	memcpy(buf + offsetof(struct recording_header, crc), &crc, sizeof(crc));
}

static void header_is_read_back_and_checked(void **state)
{
	static const size_t sizes[] = {
		offsetof(struct recording_header, header_size),
		offsetof(struct recording_header, event_size),
		offsetof(struct recording_header, detail_size),
		offsetof(struct recording_header, frame_size),
		offsetof(struct recording_header, netns_name_size),
	};
	struct folder *d = *state;
	struct recording_header header;
	struct replay *replay = NULL;
	struct session live;
	unsigned char *buf, *copy;
	char err[256];
	size_t len, i;

	assert_int_equal(sizeof(struct recording_header), 240); /* as docs/RECORDING.md says */
	buf = small_recording(d, &live, &len);
	/* The recorder filled in what it owns. */
	assert_memory_equal(live.header.magic, RECORDING_MAGIC, 8);
	assert_int_equal(live.header.version, RECORDING_VERSION);
	assert_int_equal(live.header.header_size, sizeof(struct recording_header));
	assert_int_equal(live.header.event_size, sizeof(struct ct_event));
	assert_int_equal(live.header.detail_size, sizeof(struct tracker_detail));
	assert_int_equal(live.header.frame_size, sizeof(struct recorded_frame));
	assert_int_equal(live.header.netns_name_size, sizeof(struct netns_name));

	assert_int_equal(replay__open(&replay, in(d, "rec"), &header, err, sizeof(err)), 0);
	assert_memory_equal(&header, &live.header, sizeof(header));
	assert_string_equal(header.host, "host-1");
	assert_string_equal(header.kernel, "6.1.0-test");
	assert_string_equal(header.source_kind, "ebpf");
	assert_string_equal(header.source_name, "eBPF, ring buffer");
	assert_string_equal(header.conntop_version, "9.9.9-test");
	assert_int_equal(header.started_ns, SEC_NS);
	assert_true(header.boot_offset_ns == 1700000000ll * (int64_t)SEC_NS);
	replay__close(replay);

	/* Not a recording at all. */
	assert_int_equal(open_bytes(d, "hello, world: this is text, not a recording at all", 50,
				    err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "not a conntop recording");
	assert_int_equal(open_bytes(d, "", 0, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "not a conntop recording");
	assert_int_equal(open_bytes(d, "CONNTOP", 7, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "not a conntop recording");
	copy = malloc(len);
	assert_non_null(copy);
	memcpy(copy, buf, len);
	copy[7] = 'X';
	assert_int_equal(open_bytes(d, copy, len, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "not a conntop recording");

	/* A header cut short. */
	assert_int_equal(open_bytes(d, buf, 100, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "the header is cut short (100 of 240 bytes)");
	assert_int_equal(open_bytes(d, buf, 8, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "the header is cut short (8 of 240 bytes)");
	assert_int_equal(open_bytes(d, buf, 239, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "the header is cut short (239 of 240 bytes)");
	/* Just the header: a recording without a frame. */
	assert_int_equal(open_bytes(d, buf, 240, err, sizeof(err)), 0);

	/* Another version. */
	memcpy(copy, buf, len);
	patch_u32(copy, offsetof(struct recording_header, version), 2);
	assert_int_equal(open_bytes(d, copy, len, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "format version 2; this conntop reads version 1");
	patch_u32(copy, offsetof(struct recording_header, version), 0);
	assert_int_equal(open_bytes(d, copy, len, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "format version 0; this conntop reads version 1");

	/* Records of another size: another build. */
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint32_t size;

		memcpy(copy, buf, len);
		memcpy(&size, copy + sizes[i], sizeof(size));
		patch_u32(copy, sizes[i], size + 8);
		assert_int_equal(open_bytes(d, copy, len, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, "written by a different build of conntop (9.9.9-test)");
	}

	/* A version string that fills its field is cut, not read past. */
	memcpy(copy, buf, len);
	memset(copy + offsetof(struct recording_header, conntop_version), 'v', 16 + 5);
	patch_u32(copy, offsetof(struct recording_header, event_size), 1);
	assert_int_equal(open_bytes(d, copy, len, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "written by a different build of conntop (vvvvvvvvvvvvvvvv)");

	/* The version string comes from the file: it reaches the terminal escaped. */
	memcpy(copy, buf, len);
	memset(copy + offsetof(struct recording_header, conntop_version), 0, 16);
	memcpy(copy + offsetof(struct recording_header, conntop_version), "\x1b]0;pwn\x07", 8);
	patch_u32(copy, offsetof(struct recording_header, event_size), 1);
	assert_int_equal(open_bytes(d, copy, len, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "written by a different build of conntop (\\x1b]0;pwn\\x07)");

	/* A damaged header: its checksum tells, before any string of it is used. */
	memcpy(copy, buf, len);
	copy[offsetof(struct recording_header, host)] ^= 0x80;
	assert_int_equal(open_bytes(d, copy, len, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "the header is damaged (bad checksum)");

	/* No file. */
	assert_int_equal(replay__open(&replay, in(d, "none"), &header, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, strerror(ENOENT));

	free(copy);
	free(buf);
	session_free(&live);
}

/* The index of the first record of @type after @frames frames. */
static size_t find_record(const struct session *s, uint32_t type, size_t frames)
{
	size_t i;

	for (i = 0; i < s->nrecords; i++)
		if (s->records[i].type == type && s->records[i].frames_before == frames)
			return i;
	fail_msg("no record of type %u after %zu frames", type, frames);
	return 0;
}

/*
 * Replays @buf: it must stop at record @k with @reason, with every frame before it as shown live
 * and the tracker as it was live just before that record.
 */
static void expect_damage(struct folder *d, const struct session *live, size_t k,
			  const unsigned char *buf, size_t len, const char *reason)
{
	const struct record_info *r = &live->records[k];
	struct session replayed;
	char want[256];
	size_t i;

	write_all(in(d, "damaged"), buf, len);
	replay_open(&replayed, in(d, "damaged"));
	assert_int_equal(replay_all(&replayed), -EBADMSG);
	snprintf(want, sizeof(want), "record %zu at byte %llu: %s", k + 1,
		 (unsigned long long)r->offset, reason);
	assert_string_equal(replay_error(replayed.replay), want);
	assert_int_equal(replayed.frames, r->frames_before);
	for (i = 0; i < replayed.frames; i++)
		assert_string_equal(replayed.json[i], live->json[i]);
	assert_memory_equal(tracker_stats(replayed.tracker), &r->before,
			    sizeof(struct tracker_stats));
	session_free(&replayed);
}

/* @buf with record @k replaced by one of @type and @size holding @payload, its CRC valid. */
static unsigned char *rewrite(const struct session *live, const unsigned char *buf, size_t len,
			      size_t k, uint32_t type, uint32_t size, const void *payload,
			      size_t *newlen)
{
	const struct record_info *r = &live->records[k];
	size_t rest = r->offset + sizeof(struct test_head) + r->size;
	struct test_head head = { .type = type, .size = size };
	unsigned char *out;

	*newlen = r->offset + sizeof(head) + size + (len - rest);
	out = malloc(*newlen);
	assert_non_null(out);
	head.crc = test_crc(&head, payload);
	memcpy(out, buf, r->offset);
	memcpy(out + r->offset, &head, sizeof(head));
	memcpy(out + r->offset + sizeof(head), payload, size);
	memcpy(out + r->offset + sizeof(head) + size, buf + rest, len - rest);
	return out;
}

static void damage_is_found_where_it_is(void **state)
{
	static const uint32_t unknown[] = { 0, TRACKER_IN_MAX, 15, REC_FRAME + 1, 0xffffffff };
	struct folder *d = *state;
	struct session live;
	struct ct_event e;
	struct tracker_detail detail;
	struct test_head head;
	unsigned char *buf, *copy, *big;
	size_t len, newlen, k, i;

	script(&live, in(d, "rec"));
	buf = read_all(in(d, "rec"), &len);
	assert_int_equal(len, live.offset); /* every record was noted */

	/* Cut in the middle of a record's head, then of its payload. */
	k = find_record(&live, TRACKER_IN_EVENT, 1);
	expect_damage(d, &live, k, buf, live.records[k].offset + 5,
		      "cut short in its header (the recording was truncated)");
	expect_damage(d, &live, k, buf, live.records[k].offset + sizeof(head) + 50,
		      "cut short (the recording was truncated)");
	k = find_record(&live, REC_FRAME, 2);
	expect_damage(d, &live, k, buf, live.records[k].offset + sizeof(head) + 1,
		      "cut short (the recording was truncated)");
	/* Cut between records: that is a recording that ends there. */
	{
		struct session replayed;

		write_all(in(d, "cut"), buf, live.records[k].offset);
		replay_open(&replayed, in(d, "cut"));
		assert_int_equal(replay_all(&replayed), 0);
		assert_int_equal(replayed.frames, 2);
		assert_memory_equal(tracker_stats(replayed.tracker), &live.records[k].before,
				    sizeof(struct tracker_stats));
		session_free(&replayed);
	}

	/* One payload byte flipped. */
	copy = malloc(len);
	assert_non_null(copy);
	k = find_record(&live, TRACKER_IN_HEAL_OPEN, 1);
	memcpy(copy, buf, len);
	copy[live.records[k].offset + sizeof(head) + 20] ^= 0x01;
	expect_damage(d, &live, k, copy, len, "bad checksum (the recording is damaged)");
	/* ... or the CRC itself. */
	memcpy(copy, buf, len);
	copy[live.records[k].offset + offsetof(struct test_head, crc)] ^= 0x80;
	expect_damage(d, &live, k, copy, len, "bad checksum (the recording is damaged)");

	/* An unknown type, with a valid CRC. */
	k = find_record(&live, TRACKER_IN_INVALID, 1);
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		copy = realloc(copy, len);
		memcpy(copy, buf, len);
		memcpy(&head, copy + live.records[k].offset, sizeof(head));
		head.type = unknown[i];
		head.crc = test_crc(&head, NULL);
		memcpy(copy + live.records[k].offset, &head, sizeof(head));
		expect_damage(d, &live, k, copy, len, "unknown record type");
	}
	free(copy);

	/* A wrong size for its type, with a valid CRC. */
	k = find_record(&live, TRACKER_IN_EVENT, 1);
	copy = rewrite(&live, buf, len, k, TRACKER_IN_EVENT, sizeof(struct ct_event) - 4,
		       buf + live.records[k].offset + sizeof(head), &newlen);
	expect_damage(d, &live, k, copy, newlen, "wrong size for its type");
	free(copy);
	k = find_record(&live, TRACKER_IN_INVALID, 1);
	e = test_event(CT_EV_CONNECT, 1, 1, 1, "x");
	copy = rewrite(&live, buf, len, k, TRACKER_IN_INVALID, sizeof(e), &e, &newlen);
	expect_damage(d, &live, k, copy, newlen, "wrong size for its type");
	free(copy);
	k = find_record(&live, REC_FRAME, 1);
	big = calloc(1, 257 * sizeof(struct netns_name));
	assert_non_null(big);
	copy = rewrite(&live, buf, len, k, REC_FRAME, sizeof(struct recorded_frame) + 8, big,
		       &newlen);
	expect_damage(d, &live, k, copy, newlen, "wrong size for its type");
	free(copy);
	k = find_record(&live, REC_NETNS_NAMES, 1);
	copy = rewrite(&live, buf, len, k, REC_NETNS_NAMES, sizeof(struct netns_name) + 10, big,
		       &newlen);
	expect_damage(d, &live, k, copy, newlen, "wrong size for its type");
	free(copy);
	copy = rewrite(&live, buf, len, k, REC_NETNS_NAMES, 257 * sizeof(struct netns_name), big,
		       &newlen);
	expect_damage(d, &live, k, copy, newlen, "wrong size for its type");
	free(copy);
	/* 256 names are allowed. */
	copy = rewrite(&live, buf, len, k, REC_NETNS_NAMES, 256 * sizeof(struct netns_name), big,
		       &newlen);
	write_all(in(d, "many"), copy, newlen);
	{
		struct session replayed;

		replay_open(&replayed, in(d, "many"));
		assert_int_equal(replay_all(&replayed), 0);
		assert_int_equal(replayed.frames, live.frames);
		session_free(&replayed);
	}
	free(copy);
	free(big);

	/* A connection record the kernel's records would fail, with a valid CRC. */
	k = find_record(&live, TRACKER_IN_EVENT, 1);
	memcpy(&e, buf + live.records[k].offset + sizeof(head), sizeof(e));
	e.type = 0;
	copy = rewrite(&live, buf, len, k, TRACKER_IN_EVENT, sizeof(e), &e, &newlen);
	expect_damage(d, &live, k, copy, newlen, "not a valid connection record");
	free(copy);
	e.type = CT_EV_CONNECT;
	e.family = 99;
	copy = rewrite(&live, buf, len, k, TRACKER_IN_EVENT, sizeof(e), &e, &newlen);
	expect_damage(d, &live, k, copy, newlen, "not a valid connection record");
	free(copy);
	k = find_record(&live, TRACKER_IN_HEAL_OPEN, 1);
	memcpy(&e, buf + live.records[k].offset + sizeof(head), sizeof(e));
	e.type = CT_EV_TYPE_MAX;
	copy = rewrite(&live, buf, len, k, TRACKER_IN_HEAL_OPEN, sizeof(e), &e, &newlen);
	expect_damage(d, &live, k, copy, newlen, "not a valid connection record");
	free(copy);

	/* A process record with a runtime no build knows. */
	k = find_record(&live, TRACKER_IN_DETAIL, 1);
	memcpy(&detail, buf + live.records[k].offset + sizeof(head), sizeof(detail));
	detail.detail.container.runtime = (enum container_runtime)(CT_RUNTIME_SERVICE + 1);
	copy = rewrite(&live, buf, len, k, TRACKER_IN_DETAIL, sizeof(detail), &detail, &newlen);
	expect_damage(d, &live, k, copy, newlen, "not a valid process record");
	free(copy);
	memset(&detail.detail.container.runtime, 0xff, sizeof(detail.detail.container.runtime));
	copy = rewrite(&live, buf, len, k, TRACKER_IN_DETAIL, sizeof(detail), &detail, &newlen);
	expect_damage(d, &live, k, copy, newlen, "not a valid process record");
	free(copy);
	/* ... or a bool that is neither 0 nor 1 (reading it would be undefined behaviour). */
	memcpy(&detail, buf + live.records[k].offset + sizeof(head), sizeof(detail));
	((unsigned char *)&detail)[offsetof(struct tracker_detail, detail.gone)] = 2;
	copy = rewrite(&live, buf, len, k, TRACKER_IN_DETAIL, sizeof(detail), &detail, &newlen);
	expect_damage(d, &live, k, copy, newlen, "not a valid process record");
	free(copy);

	/* A frame whose wall clock no date formatter could take. */
	k = find_record(&live, REC_FRAME, 1);
	{
		struct recorded_frame frame;

		memcpy(&frame, buf + live.records[k].offset + sizeof(head), sizeof(frame));
		frame.wall_sec = INT64_MAX;
		copy = rewrite(&live, buf, len, k, REC_FRAME, sizeof(frame), &frame, &newlen);
		expect_damage(d, &live, k, copy, newlen,
			      "not a valid frame (its clock is out of range)");
		free(copy);
		frame.wall_sec = 1795000000;
		frame.wall_nsec = -1;
		copy = rewrite(&live, buf, len, k, REC_FRAME, sizeof(frame), &frame, &newlen);
		expect_damage(d, &live, k, copy, newlen,
			      "not a valid frame (its clock is out of range)");
		free(copy);
	}

	/* Damage in the first frame: no frame before it. */
	k = find_record(&live, TRACKER_IN_EVENT, 0) + 2;
	copy = malloc(len);
	assert_non_null(copy);
	memcpy(copy, buf, len);
	copy[len - 1] ^= 0xff; /* and a later one, never reached */
	copy[live.records[k].offset + sizeof(head)] ^= 0xff;
	expect_damage(d, &live, k, copy, len, "bad checksum (the recording is damaged)");
	free(copy);

	free(buf);
	session_free(&live);
}

/* Printable UTF-8: no control byte, no DEL, no invalid sequence. */
static bool printable_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n = *p < 0x80	    ? 0 :
			(*p & 0xe0) == 0xc0 ? 1 :
			(*p & 0xf0) == 0xe0 ? 2 :
			(*p & 0xf8) == 0xf0 ? 3 :
					      -1;

		if (*p < 0x20 || *p == 0x7f || n < 0 || (*p >= 0x80 && *p < 0xc2))
			return false;
		for (p++; n > 0; n--, p++)
			if ((*p & 0xc0) != 0x80)
				return false;
	}
	return true;
}

static const struct snap_node *node_of(const struct snapshot *snap, uint32_t pid)
{
	size_t i;

	for (i = 0; i < snap->nnodes; i++)
		if (snap->nodes[i].kind == NODE_PROCESS && snap->nodes[i].pid == pid)
			return &snap->nodes[i];
	fail_msg("no node for pid %u", pid);
	return NULL;
}

static void assert_node_printable(const struct snap_node *n)
{
	assert_true(printable_utf8(n->comm));
	assert_true(printable_utf8(n->name));
	assert_true(printable_utf8(n->user));
	assert_true(printable_utf8(n->cmdline));
	assert_true(printable_utf8(n->netns_name));
	assert_true(printable_utf8(n->container.runtime));
	assert_true(printable_utf8(n->container.id));
	assert_true(printable_utf8(n->container.name));
	assert_true(printable_utf8(n->container.pod));
}

/* A record written as is, as a hostile or broken writer could: the live tracker never sees it. */
static void write_detail(struct session *s, uint32_t pid, const struct proc_detail *pd)
{
	struct tracker_detail td;

	memset(&td, 0, sizeof(td));
	td.key = key_of(pid);
	td.detail = *pd;
	note(s, TRACKER_IN_DETAIL, sizeof(td));
	recorder_write(s->recorder, TRACKER_IN_DETAIL, &td, sizeof(td));
}

static void strings_from_the_file_are_made_printable(void **state)
{
	struct recorded_frame frame = { .now_ns = 2 * SEC_NS, .wall_sec = 1700000000 };
	struct folder *d = *state;
	struct netns_name names[2];
	struct session live, replayed;
	const struct snap_node *n;
	struct proc_detail pd;
	struct ct_event e;
	size_t i;

	session_init(&live);
	live_header(&live);
	memset(live.header.host, 0x1b, sizeof(live.header.host)); /* no NUL: cut on reading */
	memcpy(live.header.kernel, "6.1\x1b[2J\xff", 9);
	live_start(&live, in(d, "rec"));

	apply(live.tracker,
	      event(CT_EV_CONNECT, 1, 1000, 100, "ev\x1bil", "10.0.0.1", 1, "10.0.0.2", 2));
	e = event(CT_EV_CONNECT, 2, 1000, 101, "full", "10.0.0.1", 3, "10.0.0.2", 2);
	e.netns = NETNS_B;
	tracker_apply(live.tracker, &e);
	apply(live.tracker,
	      event(CT_EV_CONNECT, 3, 1000, 102, "cafe", "10.0.0.1", 4, "10.0.0.2", 2));
	pd = detail("ev\x1bil", "evil\x1b[31mred\xff\xfe end", "r\x01oot", CT_RUNTIME_DOCKER,
		    "\x1b]0;pwn\x07", "web\x1b[2J");
	snprintf(pd.container_name.pod_namespace, sizeof(pd.container_name.pod_namespace),
		 "ns\x9b");
	snprintf(pd.container_name.pod_name, sizeof(pd.container_name.pod_name), "p\xc3");
	write_detail(&live, 100, &pd);
	/* Every string full to its end, without a NUL. */
	memset(&pd, 0x1b, sizeof(pd));
	pd.gone = false;
	pd.ppid = 1;
	pd.uid = 0;
	pd.cgroup_id = 1;
	pd.container.runtime = CT_RUNTIME_LXC;
	write_detail(&live, 101, &pd);
	/* Printable text, and UTF-8, stays as it is. */
	pd = detail("cafe", "naïve café — ok", "zoë", CT_RUNTIME_NSPAWN, "machine-ü", "");
	write_detail(&live, 102, &pd);
	memset(names, 0, sizeof(names));
	names[0].ino = NETNS_A;
	snprintf(names[0].name, sizeof(names[0].name), "bl\x1bue\xff");
	names[1].ino = NETNS_B;
	memset(names[1].name, 0x9b, sizeof(names[1].name));
	recorder_write(live.recorder, REC_NETNS_NAMES, names, sizeof(names));
	recorder_write(live.recorder, REC_FRAME, &frame, sizeof(frame));
	assert_int_equal(recorder__close(live.recorder), 0);
	live.recorder = NULL;

	replay_open(&replayed, in(d, "rec"));
	assert_int_equal(strlen(replayed.header.host), sizeof(replayed.header.host) - 1);
	assert_int_equal(replay_all(&replayed), 0);
	assert_int_equal(replayed.frames, 1);
	assert_true(printable_utf8(replayed.prev->host));
	assert_true(printable_utf8(replayed.prev->kernel));
	assert_string_equal(replayed.prev->kernel, "6.1\\x1b[2J\\xff");
	for (i = 0; i < replayed.prev->nnodes; i++)
		assert_node_printable(&replayed.prev->nodes[i]);
	assert_true(replayed.prev->nconns > 0);
	for (i = 0; i < replayed.prev->nconns; i++) {
		const struct snap_conn *c = &replayed.prev->conns[i];

		assert_true(printable_utf8(snap_conn_comm(replayed.prev, c)));
		assert_true(printable_utf8(snap_conn_container(replayed.prev, c)->name));
		assert_true(printable_utf8(snap_conn_container(replayed.prev, c)->pod));
	}

	n = node_of(replayed.prev, 100);
	assert_string_equal(n->cmdline, "evil\\x1b[31mred\\xff\\xfe end");
	assert_string_equal(n->user, "r\\x01oot");
	assert_string_equal(n->container.id, "\\x1b]0;pwn\\x07");
	assert_string_equal(n->container.name, "web\\x1b[2J");
	assert_string_equal(n->container.pod, "ns\\x9b/p\\xc3");
	assert_string_equal(n->netns_name, "bl\\x1bue\\xff");
	n = node_of(replayed.prev, 101);
	assert_true(strlen(n->cmdline) > 0);
	assert_int_equal(strspn(n->cmdline, "\\x1b"), strlen(n->cmdline));
	assert_true(strlen(n->netns_name) > 0);
	assert_int_equal(strspn(n->netns_name, "\\x9b"), strlen(n->netns_name));
	n = node_of(replayed.prev, 102);
	assert_string_equal(n->cmdline, "naïve café — ok");
	assert_string_equal(n->user, "zoë");
	assert_string_equal(n->container.id, "machine-ü");

	session_free(&replayed);
	session_free(&live);
}

static void recorder_never_follows_a_symlink(void **state)
{
	struct folder *d = *state;
	struct recording_header header;
	struct recorder *rec = NULL;
	char target[PATH_MAX], buf[64] = "";
	struct stat st;
	FILE *f;

	memset(&header, 0, sizeof(header));
	snprintf(target, sizeof(target), "%s", in(d, "precious"));
	write_all(target, "keep me\n", 8);
	assert_int_equal(symlink(target, in(d, "rec")), 0);
	assert_int_equal(recorder__open(&rec, in(d, "rec"), &header), -ELOOP);
	assert_null(rec);
	f = fopen(target, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "keep me\n");

	/* A dangling one: its target is not created. */
	snprintf(target, sizeof(target), "%s", in(d, "made"));
	assert_int_equal(symlink(target, in(d, "dangling")), 0);
	assert_int_equal(recorder__open(&rec, in(d, "dangling"), &header), -ELOOP);
	assert_null(rec);
	assert_int_equal(lstat(target, &st), -1);
	assert_int_equal(errno, ENOENT);

	/* No such folder. */
	assert_int_equal(recorder__open(&rec, in(d, "none/rec"), &header), -ENOENT);
	assert_null(rec);
	/* A folder that is a file. */
	assert_int_equal(recorder__open(&rec, in(d, "precious/rec"), &header), -ENOTDIR);
	assert_null(rec);
}

/*
 * A folder without write permission. Root ignores permissions, so the try is made in a child
 * that is not root. The child's exit status is the error, negated.
 */
static void recorder_reports_an_unwritable_folder(void **state)
{
	struct folder *d = *state;
	char dir[PATH_MAX];
	struct stat st;
	pid_t pid;
	int status;

	snprintf(dir, sizeof(dir), "%s", in(d, "ro"));
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(chmod(d->dir, 0755), 0);
	assert_int_equal(chmod(dir, 0555), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct recording_header header;
		struct recorder *rec = NULL;
		int err;

		memset(&header, 0, sizeof(header));
		if (geteuid() == 0 &&
		    (setgroups(0, NULL) || setgid(65534) || setuid(65534) || !setuid(0)))
			_exit(200); /* cannot stop being root */
		err = recorder__open(&rec, in(d, "ro/rec"), &header);
		if (!err)
			recorder__close(rec);
		_exit(err <= 0 && err > -200 ? -err : 201);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 200)
		skip();
	assert_int_equal(WEXITSTATUS(status), EACCES);
	assert_int_equal(stat(in(d, "ro/rec"), &st), -1);
	assert_int_equal(chmod(dir, 0755), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(replay_gives_the_same_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(empty_recording_has_no_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(header_is_read_back_and_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(damage_is_found_where_it_is, setup, teardown),
		cmocka_unit_test_setup_teardown(strings_from_the_file_are_made_printable, setup,
						teardown),
		cmocka_unit_test_setup_teardown(recorder_never_follows_a_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(recorder_reports_an_unwritable_folder, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("recording", tests, NULL, NULL);
}
