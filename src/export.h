/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Writers over a snapshot: the text frame of batch mode (like `top -b`), JSON for scripts and DOT
 * for Graphviz. docs/EXPORT.md describes the formats; JSON carries a format version.
 */
#ifndef CONNTOP_EXPORT_H
#define CONNTOP_EXPORT_H

#include <stdio.h>

#include "snapshot.h"

enum export_format {
	EXPORT_TEXT,
	EXPORT_JSON,
	EXPORT_DOT,
};

/* The version in the "format" key of every JSON document; raised when a key changes meaning. */
#define EXPORT_JSON_VERSION 1

/* "text", "json" or "dot", in any case. 0, or -EINVAL for any other name (or NULL). */
int export_format_parse(const char *name, enum export_format *fmt);

/* From the extension of @path, in any case: .json is JSON, .dot and .gv DOT, the rest text. */
enum export_format export_format_of_path(const char *path);

/*
 * Each writes @snap to @out and returns 0, or -errno when writing failed (-EPIPE when the reader
 * has gone: tell it from a full disk), or -ENOMEM.
 */

/* Header lines, column titles and one row per connection, then a blank line. */
int export_text(FILE *out, const struct snapshot *snap);

/* One JSON document on one line, then "\n": a stream of frames is JSON Lines. */
int export_json(FILE *out, const struct snapshot *snap);

/* A Graphviz digraph: processes clustered by container, else by network namespace. */
int export_dot(FILE *out, const struct snapshot *snap);

/* One of the three; -EINVAL for an unknown @fmt. */
int export_write(FILE *out, const struct snapshot *snap, enum export_format fmt);

#endif /* CONNTOP_EXPORT_H */
