// SPDX-License-Identifier: GPL-2.0-only
/*
 * The recording reader (--replay), and everything a recording feeds: the tracker, the resolver's
 * netns names, snapshots and the exports. A fuzzer cannot forge CRC-32s, so by default the input
 * is a list of records this target frames itself, behind a valid header:
 *
 *   byte 0          mode: bit 0 set = the rest is the whole file as it is (header and all)
 *   then, repeated: selector (u8), n (u16, little-endian), n bytes
 *
 * The selector % 9 picks the type (1-7, 16, 17); the n bytes start the payload, which is zero-padded
 * to the type's size; a netns-names record holds selector / 9 % 4 names. A replay must end
 * in a frame, the end or -EBADMSG with a printable reason, never anything else; every frame's
 * JSON must be valid JSON.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "export.h"
#include "fuzz.h"
#include "recording.h"
#include "topology.h"

#define MAX_FRAMES 64

static const uint32_t types[] = {
	TRACKER_IN_EVENT,     TRACKER_IN_INVALID, TRACKER_IN_HEAL_CLOSE,
	TRACKER_IN_HEAL_OPEN, TRACKER_IN_DETAIL,  TRACKER_IN_END_FRAME,
	TRACKER_IN_TRAFFIC,   REC_NETNS_NAMES,	  REC_FRAME,
};

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void put(struct buf *b, const void *data, size_t n)
{
	if (!n)
		return;
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = realloc(b->p, b->cap);
		FUZZ_CHECK(b->p);
	}
	if (data)
		memcpy(b->p + b->len, data, n);
	else
		memset(b->p + b->len, 0, n);
	b->len += n;
}

static size_t size_of(uint32_t type, uint8_t sel)
{
	switch (type) {
	case TRACKER_IN_EVENT:
	case TRACKER_IN_HEAL_OPEN:
		return sizeof(struct ct_event);
	case TRACKER_IN_HEAL_CLOSE:
		return sizeof(struct tracker_heal_close);
	case TRACKER_IN_DETAIL:
		return sizeof(struct tracker_detail);
	case TRACKER_IN_TRAFFIC:
		return sizeof(struct tracker_traffic);
	case REC_NETNS_NAMES:
		return sel / 9 % 4 * sizeof(struct netns_name);
	case REC_FRAME:
		return sizeof(struct recorded_frame);
	default:
		return 0;
	}
}

/* The header recorder__open() writes, with its CRC. */
static void put_header(struct buf *b)
{
	struct recording_header h = { .version = RECORDING_VERSION };

	memcpy(h.magic, RECORDING_MAGIC, sizeof(h.magic));
	h.header_size = sizeof(h);
	h.event_size = sizeof(struct ct_event);
	h.detail_size = sizeof(struct tracker_detail);
	h.frame_size = sizeof(struct recorded_frame);
	h.netns_name_size = sizeof(struct netns_name);
	strcpy(h.host, "fuzz");
	strcpy(h.source_kind, "ebpf");
	h.crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), (const Bytef *)&h, sizeof(h));
	put(b, &h, sizeof(h));
}

static void put_records(struct buf *b, const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (off + 3 <= size) {
		uint8_t sel = data[off];
		uint32_t type = types[sel % 9], head[3] = { type };
		size_t n = data[off + 1] | (size_t)data[off + 2] << 8, want = size_of(type, sel);
		size_t start;
		uLong crc;

		off += 3;
		if (n > size - off)
			n = size - off;
		if (n > want)
			n = want;
		head[1] = (uint32_t)want;
		put(b, head, sizeof(head));
		start = b->len;
		put(b, data + off, n);
		put(b, NULL, want - n);
		off += n;
		/* CRC-32 of the type, the size and the payload, as recorder_write() makes it. */
		crc = crc32(crc32(0L, Z_NULL, 0), (const Bytef *)head, 2 * sizeof(uint32_t));
		crc = crc32(crc, b->p + start, want);
		memcpy(b->p + start - sizeof(uint32_t), &(uint32_t){ (uint32_t)crc },
		       sizeof(uint32_t));
	}
}

struct session {
	struct tracker *tracker;
	struct topology *topology;
	struct resolver *resolver;
	struct snapshot *prev;
	struct recording_header header;
};

/* What app.c does for each frame: edges, a snapshot, the exports (JSON checked). */
static void show(struct session *s, const struct recorded_frame *frame)
{
	struct snapshot_input in = {
		.tracker = s->tracker,
		.topology = s->topology,
		.resolver = s->resolver,
		.source = frame ? &frame->source : NULL,
		.seed = frame ? &frame->seed : NULL,
		.prev = s->prev,
		.host = s->header.host,
		.kernel = s->header.kernel,
		.source_name = s->header.source_name,
		.source_kind = s->header.source_kind,
		.replay = true,
		.now_ns = frame ? frame->now_ns : 0,
	};
	enum export_format fmt;
	struct snapshot *snap;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	if (frame) {
		in.wall.tv_sec = frame->wall_sec;
		in.wall.tv_nsec = frame->wall_nsec;
	}
	FUZZ_CHECK(!topology_update(s->topology, s->tracker));
	snap = snapshot_take(&in);
	FUZZ_CHECK(snap);
	for (fmt = EXPORT_TEXT; fmt <= EXPORT_DOT; fmt++) {
		out = open_memstream(&text, &len);
		FUZZ_CHECK(out);
		FUZZ_CHECK(!export_write(out, snap, fmt));
		FUZZ_CHECK(!fclose(out));
		FUZZ_CHECK(fuzz_utf8_valid(text, len));
		if (fmt == EXPORT_JSON)
			FUZZ_CHECK(fuzz_json_valid(text, len));
		free(text);
		text = NULL;
	}
	snapshot__free(s->prev);
	s->prev = snap;
}

static void replay_file(const char *path, bool must_open)
{
	struct session s = { 0 };
	struct recorded_frame frame;
	struct replay *replay;
	char err[256] = "";
	int ret, frames = 0;

	ret = replay__open(&replay, path, &s.header, err, sizeof(err));
	if (ret) {
		FUZZ_CHECK(!must_open);
		FUZZ_CHECK(ret < 0 && err[0] && fuzz_printable(err, strlen(err)));
		return;
	}
	FUZZ_CHECK(strnlen(s.header.host, sizeof(s.header.host)) < sizeof(s.header.host));
	s.tracker = tracker__new(NULL);
	s.topology = topology__new(1024);
	s.resolver = resolver__new("/nonexistent"); /* never read: no resolver_update() */
	FUZZ_CHECK(s.tracker && s.topology && s.resolver);
	while ((ret = replay_next_frame(replay, s.tracker, s.resolver, &frame)) == 1) {
		show(&s, &frame);
		tracker_end_frame(s.tracker);
		if (++frames == MAX_FRAMES)
			break;
	}
	FUZZ_CHECK(ret == 1 || ret == 0 || ret == -EBADMSG);
	if (ret == -EBADMSG) {
		const char *why = replay_error(replay);

		FUZZ_CHECK(why[0] && fuzz_printable(why, strlen(why)));
		show(&s, NULL); /* the state up to the bad record, as the replay shows it */
	}
	snapshot__free(s.prev);
	replay__close(replay);
	resolver__free(s.resolver);
	topology__free(s.topology);
	tracker__free(s.tracker);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct buf b = { 0 };
	char path[64];

	if (size < 1)
		return 0;
	if (fd < 0) {
		fd = memfd_create("fuzz_recording", MFD_CLOEXEC);
		FUZZ_CHECK(fd >= 0);
	}
	if (data[0] & 1) {
		put(&b, data + 1, size - 1);
	} else {
		put_header(&b);
		put_records(&b, data + 1, size - 1);
	}
	FUZZ_CHECK(!ftruncate(fd, 0));
	FUZZ_CHECK(pwrite(fd, b.p, b.len, 0) == (ssize_t)b.len);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	replay_file(path, !(data[0] & 1));
	free(b.p);
	return 0;
}
