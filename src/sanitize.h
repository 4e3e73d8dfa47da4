/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Strings from outside (process names, command lines, container names, paths) made safe to draw
 * on a terminal and to put in an export: any process can name itself with escape sequences.
 */
#ifndef CONNTOP_SANITIZE_H
#define CONNTOP_SANITIZE_H

#include <stddef.h>

/*
 * Copies at most @srclen bytes of @src (stopping at a NUL) into @dst as printable UTF-8, always
 * NUL-terminated. Valid printable UTF-8 is kept; control bytes, invalid UTF-8 and code points that
 * reorder or hide text (bidi controls, line separators) become "\xNN" or "\u{NNNN}" escapes.
 * Output that does not fit is cut at a character boundary, never inside an escape.
 * Returns the length of @dst.
 */
size_t sanitize(char *dst, size_t dstsize, const char *src, size_t srclen);

#endif /* CONNTOP_SANITIZE_H */
