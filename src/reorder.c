// SPDX-License-Identifier: GPL-2.0-only
#include "reorder.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_RECORD_SIZE 128

/* A record waiting, ordered by (ts, seq): its timestamp, then arrival. */
struct held {
	uint64_t ts; /* 0 for an unkeyed record: it goes first */
	uint64_t seq;
	unsigned char *data;
	uint32_t size;
	bool keyed;
};

struct reorder {
	size_t max_held;
	size_t record_size;
	struct held *heap; /* a binary min-heap */
	size_t n, cap;
	unsigned char **blocks; /* free blocks of record_size bytes, for reuse */
	size_t nblocks, blocks_cap;
	uint64_t seq; /* arrival counter */
	uint64_t last_ts; /* the newest timestamp released */
	struct reorder_stats stats;
};

struct reorder *reorder__new(const struct reorder_opts *opts)
{
	struct reorder *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->max_held = opts && opts->max_held ? opts->max_held : REORDER_DEFAULT_MAX_HELD;
	r->record_size = opts && opts->record_size ? opts->record_size : DEFAULT_RECORD_SIZE;
	return r;
}

void reorder__free(struct reorder *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++)
		free(r->heap[i].data);
	for (i = 0; i < r->nblocks; i++)
		free(r->blocks[i]);
	free(r->heap);
	free(r->blocks);
	free(r);
}

static bool before(const struct held *a, const struct held *b)
{
	return a->ts < b->ts || (a->ts == b->ts && a->seq < b->seq);
}

static void swap(struct held *a, struct held *b)
{
	struct held t = *a;

	*a = *b;
	*b = t;
}

static void sift_up(struct held *heap, size_t i)
{
	while (i > 0 && before(&heap[i], &heap[(i - 1) / 2])) {
		swap(&heap[i], &heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
}

static void sift_down(struct held *heap, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, min = i;

		if (l < n && before(&heap[l], &heap[min]))
			min = l;
		if (r < n && before(&heap[r], &heap[min]))
			min = r;
		if (min == i)
			return;
		swap(&heap[i], &heap[min]);
		i = min;
	}
}

/* A copy of @data: in a recycled block when it fits one. */
static unsigned char *copy_of(struct reorder *r, const void *data, size_t size)
{
	unsigned char *copy;

	if (size <= r->record_size)
		copy = r->nblocks ? r->blocks[--r->nblocks] : malloc(r->record_size);
	else
		copy = malloc(size);
	if (copy && size)
		memcpy(copy, data, size);
	return copy;
}

static void recycle(struct reorder *r, unsigned char *data, size_t size)
{
	if (size <= r->record_size && r->nblocks < r->blocks_cap) {
		r->blocks[r->nblocks++] = data;
		return;
	}
	free(data);
}

static int grow(struct reorder *r)
{
	size_t cap = r->cap ? 2 * r->cap : 1024;
	struct held *heap = realloc(r->heap, cap * sizeof(*heap));
	unsigned char **blocks;

	if (!heap)
		return -ENOMEM;
	r->heap = heap;
	r->cap = cap;
	/* Room to keep a block for every record that can be held at once. */
	blocks = realloc(r->blocks, cap * sizeof(*blocks));
	if (blocks) {
		r->blocks = blocks;
		r->blocks_cap = cap;
	}
	return 0;
}

int reorder_push(struct reorder *r, int cpu, const void *data, size_t size)
{
	struct held h = { .seq = r->seq++, .size = (uint32_t)size };

	(void)cpu; /* the order is the timestamp's, then arrival's: not per CPU */
	if (size > UINT32_MAX || (r->n == r->cap && grow(r)))
		return -ENOMEM;
	h.data = copy_of(r, data, size);
	if (!h.data)
		return -ENOMEM;
	h.keyed = size >= sizeof(h.ts);
	if (h.keyed) {
		memcpy(&h.ts, data, sizeof(h.ts)); /* no alignment promise */
		if (h.ts < r->last_ts) {
			r->stats.late++;
			if (r->last_ts - h.ts > r->stats.late_max_ns)
				r->stats.late_max_ns = r->last_ts - h.ts;
		}
	} else {
		r->stats.unkeyed++;
	}
	r->heap[r->n] = h;
	sift_up(r->heap, r->n++);
	r->stats.pushed++;
	if (r->n > r->stats.max_held)
		r->stats.max_held = r->n;
	return r->n > r->max_held ? 1 : 0;
}

/* Whether the oldest record goes now. */
static bool due(const struct reorder *r, uint64_t watermark_ns, bool all)
{
	const struct held *top = &r->heap[0];

	return all || !top->keyed || top->ts < watermark_ns || top->ts < r->last_ts ||
	       r->n > r->max_held;
}

static size_t release(struct reorder *r, uint64_t watermark_ns, bool all, reorder_fn fn, void *ctx)
{
	size_t released = 0;

	while (r->n && due(r, watermark_ns, all)) {
		struct held h = r->heap[0];

		if (h.keyed && !all && h.ts >= watermark_ns && h.ts >= r->last_ts)
			r->stats.forced++; /* only max_held made it due */
		r->heap[0] = r->heap[--r->n];
		sift_down(r->heap, r->n, 0);
		if (h.keyed && h.ts > r->last_ts)
			r->last_ts = h.ts;
		fn(ctx, h.data, h.size);
		recycle(r, h.data, h.size);
		released++;
	}
	r->stats.released += released;
	return released;
}

size_t reorder_release(struct reorder *r, uint64_t watermark_ns, reorder_fn fn, void *ctx)
{
	return release(r, watermark_ns, false, fn, ctx);
}

size_t reorder_flush(struct reorder *r, reorder_fn fn, void *ctx)
{
	return release(r, 0, true, fn, ctx);
}

void reorder_read_stats(const struct reorder *r, struct reorder_stats *stats)
{
	*stats = r->stats;
	stats->held = r->n;
}
