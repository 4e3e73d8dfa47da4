/* SPDX-License-Identifier: GPL-2.0-only */
/* Arrays that grow by doubling: the one way this code base appends to a buffer. */
#ifndef CONNTOP_ARRAY_H
#define CONNTOP_ARRAY_H

#include <errno.h>
#include <stdlib.h>

/*
 * Makes room for element @n of *@items, which holds *@cap elements of @size bytes. Returns 0, or
 * -ENOMEM with the array unchanged.
 */
static inline int array_reserve(void *items, size_t n, size_t *cap, size_t size)
{
	void **p = items;
	size_t new_cap;
	void *bigger;

	if (n < *cap)
		return 0;
	new_cap = *cap ? 2 * *cap : 64;
	bigger = realloc(*p, new_cap * size);
	if (!bigger)
		return -ENOMEM;
	*p = bigger;
	*cap = new_cap;
	return 0;
}

#endif /* CONNTOP_ARRAY_H */
