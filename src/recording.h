/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Recordings (--record, --replay): a header, then every input of the tracker and every frame, in
 * the order they happened. Each record is framed and checksummed, so a replay rebuilds exactly
 * the state that was shown, and a damaged file is caught at its first bad record. The layout is
 * in docs/RECORDING.md.
 */
#ifndef CONNTOP_RECORDING_H
#define CONNTOP_RECORDING_H

#include <stddef.h>
#include <stdint.h>

#include "container.h"
#include "resolve.h"
#include "seed.h"
#include "source.h"
#include "tracker.h"

#define RECORDING_MAGIC	  "CONNTOPR"
#define RECORDING_VERSION 1

/* Tracker inputs keep their numbers (enum tracker_input); the others follow. */
enum record_type {
	REC_NETNS_NAMES = 16, /* struct netns_name[]: every `ip netns` name known, before a frame */
	REC_FRAME, /* struct recorded_frame: a frame was shown */
};

/* What a frame was made of besides the tracker: the clocks and the source's counters. */
struct recorded_frame {
	uint64_t now_ns; /* CLOCK_MONOTONIC */
	int64_t wall_sec, wall_nsec; /* CLOCK_REALTIME */
	struct source_stats source;
	struct seed_stats seed;
};

struct recording_header {
	char magic[8];
	uint32_t version;
	uint32_t header_size;
	/* The sizes of the records' structures in the build that wrote it: they must match. */
	uint32_t event_size, detail_size, frame_size, netns_name_size;
	int64_t boot_offset_ns; /* CLOCK_REALTIME minus CLOCK_MONOTONIC when it began */
	uint64_t started_ns; /* CLOCK_MONOTONIC when it began */
	char host[65];
	char kernel[65];
	char source_kind[8];
	char source_name[32];
	char conntop_version[16];
	char pad[2];
	uint32_t crc; /* CRC-32 of the header with this field 0 */
};

struct recorder;

/* Creates @path (never through a symlink) and writes @header. 0 or -errno. */
int recorder__open(struct recorder **out, const char *path, struct recording_header *header);
/* Returns the first write error, or 0. */
int recorder__close(struct recorder *rec);

/* Writes @header again over the first (what the source turned out to be). 0 or -errno. */
int recorder_rewrite_header(struct recorder *rec, struct recording_header *header);

/* Appends one record. An error is kept and returned by recorder_flush() and recorder__close(). */
void recorder_write(struct recorder *rec, uint32_t type, const void *data, size_t size);
int recorder_flush(struct recorder *rec);

/* A tracker_journal_fn writing each input as a record. */
void recorder_journal(void *rec, enum tracker_input input, const void *data, size_t size);

struct replay;

/*
 * Opens a recording and checks its header. 0 or -errno; on error @err says what is wrong in
 * words ("not a conntop recording", "written by a different build of conntop").
 */
int replay__open(struct replay **out, const char *path, struct recording_header *header, char *err,
		 size_t errlen);
void replay__close(struct replay *replay);

/*
 * Applies records to @tracker and @resolver up to the next frame, which it returns in @frame.
 * Returns 1 with a frame, 0 at the end, or -EBADMSG with replay_error() saying where and why
 * (what came before the bad record stays applied).
 */
int replay_next_frame(struct replay *replay, struct tracker *tracker, struct resolver *resolver,
		      struct recorded_frame *frame);
const char *replay_error(const struct replay *replay);

#endif /* CONNTOP_RECORDING_H */
