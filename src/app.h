/* SPDX-License-Identifier: GPL-2.0-only */
/* The running program: the source, the tracker and the output, wired to one event loop. */
#ifndef CONNTOP_APP_H
#define CONNTOP_APP_H

#include "options.h"

/* Runs until stopped; returns the process exit status. */
int app_run(const struct options *opts);

#endif /* CONNTOP_APP_H */
