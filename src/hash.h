/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hash for uthash tables keyed by binary keys (cookies, process keys, edge keys): word by word.
 * uthash's default (Jenkins, byte by byte) took 170 instructions for a 16-byte process key and 700
 * for an 80-byte edge key, once or twice per connection. A file includes this before uthash.h.
 */
#ifndef CONNTOP_HASH_H
#define CONNTOP_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline unsigned int hash_words(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len, w;

	for (; len >= 8; len -= 8, p += 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
	}
	while (len--)
		h = (h ^ *p++) * 0x100000001b3ull;
	h *= 0x94d049bb133111ebull;
	return (unsigned int)(h ^ h >> 32);
}

#define HASH_FUNCTION(keyptr, keylen, hashv) ((hashv) = hash_words((keyptr), (keylen)))

#endif /* CONNTOP_HASH_H */
