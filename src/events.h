/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Raw records, from the ring buffer or from a recording, into tracker calls. Nothing here does
 * I/O: it runs inside the ring buffer callback.
 */
#ifndef CONNTOP_EVENTS_H
#define CONNTOP_EVENTS_H

#include <linux/types.h>
#include <stddef.h>

#include "conntop/event.h"

struct tracker;

/*
 * Checks one raw record and copies it into @out, with comm NUL-terminated. Returns 0, or
 * -EBADMSG (wrong size), -EPROTO (unknown type) or -EAFNOSUPPORT (unknown family).
 */
int event_decode(const void *data, size_t size, struct ct_event *out);

/* Decodes one record and applies it; a bad record is counted as invalid and skipped. */
int events_apply(struct tracker *tracker, const void *data, size_t size);

#endif /* CONNTOP_EVENTS_H */
