// SPDX-License-Identifier: GPL-2.0-only
#include "log.h"

#include <stdio.h>
#include <string.h>

#define KEPT_LINES 32
#define LINE_LEN   512

static enum log_level max_level = LOG_WARN;
static int held;
static char kept[KEPT_LINES][LINE_LEN];
static unsigned int kept_count, kept_dropped;
static int capturing;
static int demoting;
static char captured[LINE_LEN]; /* the first error while capturing, without "conntop: " */

void log_set_level(enum log_level level)
{
	max_level = level;
}

void log_hold(void)
{
	held = 1;
}

void log_release(void)
{
	unsigned int i;

	held = 0;
	for (i = 0; i < kept_count; i++)
		fprintf(stderr, "%s\n", kept[i]);
	if (kept_dropped)
		fprintf(stderr, "conntop: %u more messages were dropped\n", kept_dropped);
	kept_count = 0;
	kept_dropped = 0;
}

void log_demote_errors(int on)
{
	demoting = on;
}

void log_capture_begin(void)
{
	capturing = 1;
	captured[0] = '\0';
}

void log_capture_end(char *buf, size_t size)
{
	capturing = 0;
	snprintf(buf, size, "%s", captured);
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char line[LINE_LEN];
	size_t len;
	int n;

	if (demoting && level == LOG_ERROR)
		level = LOG_DEBUG;
	if (capturing && level == LOG_ERROR) {
		if (!captured[0])
			vsnprintf(captured, sizeof(captured), fmt, ap);
		return;
	}
	if (level > max_level)
		return;
	n = snprintf(line, sizeof(line), "conntop: ");
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	len = strlen(line);
	while (len && line[len - 1] == '\n') /* libbpf ends its messages with one */
		line[--len] = '\0';
	if (!held) {
		fprintf(stderr, "%s\n", line);
		return;
	}
	if (kept_count == KEPT_LINES) {
		kept_dropped++;
		return;
	}
	memcpy(kept[kept_count++], line, sizeof(line));
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
