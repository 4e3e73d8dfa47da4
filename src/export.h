/* SPDX-License-Identifier: GPL-2.0-only */
/* Writers over a snapshot. For now the text frame of batch mode, like `top -b`. */
#ifndef CONNTOP_EXPORT_H
#define CONNTOP_EXPORT_H

#include <stdio.h>

#include "snapshot.h"

/* Header lines, column titles and one row per connection, then a blank line. 0 or -errno. */
int export_text(FILE *out, const struct snapshot *snap);

#endif /* CONNTOP_EXPORT_H */
