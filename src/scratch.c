// SPDX-License-Identifier: GPL-2.0-only
#include "scratch.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#define SCRATCH_MMAP_MIN (128 * 1024) /* below: malloc, which reuses small blocks well */

/* Before each block: its size, and how it was made. 16 bytes keep what follows aligned. */
struct scratch_header {
	size_t size; /* with the header; 0 for a malloc'd block */
	size_t pad;
};

void *scratch_alloc(size_t size)
{
	struct scratch_header *h;
	size_t total = size + sizeof(*h);

	if (total < size)
		return NULL;
	if (total < SCRATCH_MMAP_MIN) {
		h = malloc(total);
		if (!h)
			return NULL;
		h->size = 0;
		return h + 1;
	}
	h = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
		 -1, 0);
	if (h == MAP_FAILED)
		return NULL;
	h->size = total;
	return h + 1;
}

void scratch_free(void *p)
{
	struct scratch_header *h;

	if (!p)
		return;
	h = (struct scratch_header *)p - 1;
	if (h->size)
		munmap(h, h->size);
	else
		free(h);
}
