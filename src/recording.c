// SPDX-License-Identifier: GPL-2.0-only
#include "recording.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "events.h"
#include "procfs.h"
#include "resolve.h"
#include "sanitize.h"

#define MAX_NETNS_NAMES_RECORDED 256
#define MAX_RECORD_SIZE		 (MAX_NETNS_NAMES_RECORDED * sizeof(struct netns_name))

/* Before every record: its type, the size of what follows, a CRC-32 of both and the payload. */
struct record_head {
	uint32_t type;
	uint32_t size;
	uint32_t crc;
};

struct recorder {
	FILE *file;
	int err;
};

static uint32_t record_crc(const struct record_head *head, const void *data)
{
	uLong crc = crc32(0L, Z_NULL, 0);

	crc = crc32(crc, (const Bytef *)head, offsetof(struct record_head, crc));
	if (head->size)
		crc = crc32(crc, data, head->size);
	return (uint32_t)crc;
}

static uint32_t header_crc(const struct recording_header *header)
{
	struct recording_header copy = *header;

	copy.crc = 0;
	return (uint32_t)crc32(crc32(0L, Z_NULL, 0), (const Bytef *)&copy, sizeof(copy));
}

int recorder__open(struct recorder **out, const char *path, struct recording_header *header)
{
	struct recorder *rec = calloc(1, sizeof(*rec));
	int fd, err;

	if (!rec)
		return -ENOMEM;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || !(rec->file = fdopen(fd, "w"))) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		free(rec);
		return err;
	}
	memcpy(header->magic, RECORDING_MAGIC, sizeof(header->magic));
	header->version = RECORDING_VERSION;
	header->header_size = sizeof(*header);
	header->event_size = sizeof(struct ct_event);
	header->detail_size = sizeof(struct tracker_detail);
	header->frame_size = sizeof(struct recorded_frame);
	header->netns_name_size = sizeof(struct netns_name);
	header->crc = 0;
	header->crc = header_crc(header);
	if (fwrite(header, sizeof(*header), 1, rec->file) != 1 || fflush(rec->file)) {
		err = -errno;
		fclose(rec->file);
		free(rec);
		return err;
	}
	*out = rec;
	return 0;
}

int recorder_rewrite_header(struct recorder *rec, struct recording_header *header)
{
	header->crc = 0;
	header->crc = header_crc(header);
	if (rec->err)
		return rec->err;
	if (fflush(rec->file) || fseek(rec->file, 0, SEEK_SET) ||
	    fwrite(header, sizeof(*header), 1, rec->file) != 1 || fseek(rec->file, 0, SEEK_END))
		rec->err = errno ? -errno : -EIO;
	return rec->err;
}

void recorder_write(struct recorder *rec, uint32_t type, const void *data, size_t size)
{
	struct record_head head = { .type = type, .size = (uint32_t)size };

	if (rec->err)
		return;
	head.crc = record_crc(&head, data);
	errno = 0; /* a short write need not set it: then it is -EIO */
	if (fwrite(&head, sizeof(head), 1, rec->file) != 1 ||
	    (size && fwrite(data, size, 1, rec->file) != 1))
		rec->err = errno ? -errno : -EIO;
}

void recorder_journal(void *rec, enum tracker_input input, const void *data, size_t size)
{
	recorder_write(rec, input, data, size);
}

int recorder_flush(struct recorder *rec)
{
	if (!rec->err && fflush(rec->file))
		rec->err = -errno;
	return rec->err;
}

int recorder__close(struct recorder *rec)
{
	int err;

	if (!rec)
		return 0;
	err = recorder_flush(rec);
	if (fclose(rec->file) && !err)
		err = -errno;
	free(rec);
	return err;
}

struct replay {
	FILE *file;
	uint64_t offset; /* of the next record */
	uint64_t records; /* read so far */
	char error[256];
	unsigned char data[MAX_RECORD_SIZE];
};

static int check_header(const struct recording_header *h, size_t got, char *err, size_t errlen)
{
	if (got < sizeof(h->magic) || memcmp(h->magic, RECORDING_MAGIC, sizeof(h->magic))) {
		snprintf(err, errlen, "not a conntop recording");
		return -EINVAL;
	}
	if (got < sizeof(*h)) {
		snprintf(err, errlen, "the header is cut short (%zu of %zu bytes)", got,
			 sizeof(*h));
		return -EINVAL;
	}
	if (h->version != RECORDING_VERSION) {
		snprintf(err, errlen, "format version %u; this conntop reads version %u",
			 h->version, RECORDING_VERSION);
		return -EINVAL;
	}
	if (h->header_size == sizeof(*h) && header_crc(h) != h->crc) {
		snprintf(err, errlen, "the header is damaged (bad checksum)");
		return -EINVAL;
	}
	if (h->header_size != sizeof(*h) || h->event_size != sizeof(struct ct_event) ||
	    h->detail_size != sizeof(struct tracker_detail) ||
	    h->frame_size != sizeof(struct recorded_frame) ||
	    h->netns_name_size != sizeof(struct netns_name)) {
		char version[4 * sizeof(h->conntop_version)];

		sanitize(version, sizeof(version), h->conntop_version,
			 sizeof(h->conntop_version)); /* it comes from the file */
		snprintf(err, errlen, "written by a different build of conntop (%s)", version);
		return -EINVAL;
	}
	return 0;
}

/* Strings in the header come from the file: terminated here, made printable by the snapshot. */
static void terminate_strings(struct recording_header *h)
{
	h->host[sizeof(h->host) - 1] = '\0';
	h->kernel[sizeof(h->kernel) - 1] = '\0';
	h->source_kind[sizeof(h->source_kind) - 1] = '\0';
	h->source_name[sizeof(h->source_name) - 1] = '\0';
	h->conntop_version[sizeof(h->conntop_version) - 1] = '\0';
}

int replay__open(struct replay **out, const char *path, struct recording_header *header, char *err,
		 size_t errlen)
{
	struct replay *replay = calloc(1, sizeof(*replay));
	struct stat st;
	size_t got;
	int ret;

	if (!replay)
		return -ENOMEM;
	replay->file = fopen(path, "re");
	if (!replay->file || fstat(fileno(replay->file), &st) || S_ISDIR(st.st_mode)) {
		ret = replay->file ? (S_ISDIR(st.st_mode) ? -EISDIR : -errno) : -errno;
		snprintf(err, errlen, "%s", strerror(-ret));
		if (replay->file)
			fclose(replay->file);
		free(replay);
		return ret;
	}
	memset(header, 0, sizeof(*header));
	got = fread(header, 1, sizeof(*header), replay->file);
	ret = check_header(header, got, err, errlen);
	if (ret) {
		replay__close(replay);
		return ret;
	}
	terminate_strings(header);
	replay->offset = sizeof(*header);
	*out = replay;
	return 0;
}

void replay__close(struct replay *replay)
{
	if (!replay)
		return;
	fclose(replay->file);
	free(replay);
}

const char *replay_error(const struct replay *replay)
{
	return replay->error;
}

static int bad(struct replay *replay, const char *what)
{
	snprintf(replay->error, sizeof(replay->error), "record %llu at byte %llu: %s",
		 (unsigned long long)replay->records + 1, (unsigned long long)replay->offset, what);
	return -EBADMSG;
}

/* The size a record of @type must have; 0 for variable (netns names), -1 for an unknown type. */
static long size_of_type(uint32_t type)
{
	switch (type) {
	case TRACKER_IN_EVENT:
	case TRACKER_IN_HEAL_OPEN:
		return sizeof(struct ct_event);
	case TRACKER_IN_INVALID:
	case TRACKER_IN_END_FRAME:
		return 0;
	case TRACKER_IN_HEAL_CLOSE:
		return sizeof(struct tracker_heal_close);
	case TRACKER_IN_DETAIL:
		return sizeof(struct tracker_detail);
	case TRACKER_IN_TRAFFIC:
		return sizeof(struct tracker_traffic);
	case REC_FRAME:
		return sizeof(struct recorded_frame);
	case REC_NETNS_NAMES:
		return 0;
	default:
		return -1;
	}
}

/* Reads the next record: 1, 0 at a clean end, -EBADMSG for a bad one. */
static int read_record(struct replay *replay, struct record_head *head)
{
	size_t got = fread(head, 1, sizeof(*head), replay->file);
	long want;

	if (got == 0 && feof(replay->file))
		return 0;
	if (got < sizeof(*head))
		return bad(replay, "cut short in its header (the recording was truncated)");
	want = size_of_type(head->type);
	if (want < 0)
		return bad(replay, "unknown record type");
	if (head->type == REC_NETNS_NAMES ?
		    head->size > MAX_RECORD_SIZE || head->size % sizeof(struct netns_name) :
		    head->size != (uint32_t)want)
		return bad(replay, "wrong size for its type");
	if (head->size && fread(replay->data, 1, head->size, replay->file) != head->size)
		return bad(replay, "cut short (the recording was truncated)");
	if (record_crc(head, replay->data) != head->crc)
		return bad(replay, "bad checksum (the recording is damaged)");
	return 1;
}

/*
 * Live, these strings were made printable as they were read from /proc; from a file they could be
 * anything, so they are made printable again (printable text stays as it is).
 */
static void printable(char *field, size_t size)
{
	char raw[PROCFS_CMDLINE_SIZE];
	size_t len = strnlen(field, size - 1);

	if (len >= sizeof(raw))
		len = sizeof(raw) - 1;
	memcpy(raw, field, len);
	raw[len] = '\0';
	sanitize(field, size, raw, len);
}

#define PRINTABLE(field) printable(field, sizeof(field))

static void printable_detail(struct proc_detail *d)
{
	PRINTABLE(d->comm);
	PRINTABLE(d->user);
	PRINTABLE(d->cmdline);
	PRINTABLE(d->container.id);
	PRINTABLE(d->container.pod_uid);
	PRINTABLE(d->container_name.name);
	PRINTABLE(d->container_name.pod_name);
	PRINTABLE(d->container_name.pod_namespace);
}

static int apply_record(struct replay *replay, const struct record_head *head,
			struct tracker *tracker, struct resolver *resolver)
{
	const void *data = replay->data;
	struct tracker_heal_close heal;
	struct tracker_detail detail;
	struct tracker_traffic traffic;
	struct netns_name *names;
	struct ct_event event;
	size_t i, n;

	switch (head->type) {
	case TRACKER_IN_EVENT:
	case TRACKER_IN_HEAL_OPEN:
		if (event_decode(data, head->size, &event))
			return bad(replay, "not a valid connection record");
		if (head->type == TRACKER_IN_EVENT)
			tracker_apply(tracker, &event);
		else
			tracker_heal_open(tracker, &event);
		return 0;
	case TRACKER_IN_INVALID:
		tracker_count_invalid(tracker);
		return 0;
	case TRACKER_IN_HEAL_CLOSE:
		memcpy(&heal, data, sizeof(heal));
		tracker_heal_close(tracker, heal.cookie, heal.now_ns);
		return 0;
	case TRACKER_IN_DETAIL:
		memcpy(&detail, data, sizeof(detail));
		/* A bool is read as a byte: any value but 0 or 1 would be undefined behaviour. */
		if (*(const unsigned char *)((const char *)data +
					     offsetof(struct tracker_detail, detail.gone)) > 1 ||
		    detail.detail.container.runtime > CT_RUNTIME_SERVICE)
			return bad(replay, "not a valid process record");
		printable_detail(&detail.detail);
		tracker_give_detail(tracker, &detail.key, &detail.detail);
		return 0;
	case TRACKER_IN_TRAFFIC:
		memcpy(&traffic, data, sizeof(traffic));
		if (traffic.absolute > 1)
			return bad(replay, "not a valid traffic record");
		tracker_set_traffic(tracker, traffic.cookie, &traffic.traffic, traffic.absolute);
		return 0;
	case REC_NETNS_NAMES:
		n = head->size / sizeof(*names);
		names = (struct netns_name *)replay->data;
		for (i = 0; i < n; i++)
			PRINTABLE(names[i].name);
		resolver_set_netns_names(resolver, names, n);
		return 0;
	default: /* REC_FRAME and TRACKER_IN_END_FRAME are the caller's */
		return 0;
	}
}

/* Wall clocks from year 1970 to 5138, as every date formatter can take them. */
static bool frame_is_sane(const struct recorded_frame *frame)
{
	return frame->wall_sec >= 0 && frame->wall_sec < 100000000000ll && frame->wall_nsec >= 0 &&
	       frame->wall_nsec < 1000000000;
}

int replay_next_frame(struct replay *replay, struct tracker *tracker, struct resolver *resolver,
		      struct recorded_frame *frame)
{
	struct record_head head;
	int ret;

	for (;;) {
		ret = read_record(replay, &head);
		if (ret <= 0)
			return ret;
		if (head.type == REC_FRAME) {
			memcpy(frame, replay->data, sizeof(*frame));
			if (!frame_is_sane(frame))
				ret = bad(replay, "not a valid frame (its clock is out of range)");
		} else if (head.type != TRACKER_IN_END_FRAME) /* the caller ends frames, as live */
			ret = apply_record(replay, &head, tracker, resolver);
		if (ret < 0)
			return ret;
		replay->records++;
		replay->offset += sizeof(head) + head.size;
		if (head.type == REC_FRAME)
			return 1;
	}
}
