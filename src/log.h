/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Diagnostics. Messages go to stderr, except while the curses screen owns the terminal: then
 * they are kept (the last few) so nothing scribbles over the view, and printed after it closes.
 */
#ifndef CONNTOP_LOG_H
#define CONNTOP_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level {
	LOG_ERROR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

void log_set_level(enum log_level max_level);
/* While held, messages are kept instead of printed; releasing prints what was kept. */
void log_hold(void);
void log_release(void);
/*
 * While capturing, errors are kept (the first one) instead of printed: a caller that can go on
 * another way says so in its own words. Ending copies the error kept into @buf ("" if none).
 */
void log_capture_begin(void);
void log_capture_end(char *buf, size_t size);
/* While on, errors are only details for -v: a caller trying another way after a first failure. */
void log_demote_errors(int on);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap);

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif /* CONNTOP_LOG_H */
