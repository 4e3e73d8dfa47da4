/* SPDX-License-Identifier: GPL-2.0-only */
/* The one event loop: an epoll set of file descriptors, each with a handler. Nothing else blocks. */
#ifndef CONNTOP_LOOP_H
#define CONNTOP_LOOP_H

/* Called when @fd is readable. A negative return stops the loop with that error. */
typedef int (*loop_handler)(void *ctx);

struct loop;

struct loop *loop__new(void);
void loop__free(struct loop *loop);

/* 0 or -errno. The handler runs until the loop is freed. */
int loop_watch(struct loop *loop, int fd, loop_handler handler, void *ctx);

/* Runs until loop_quit() or a handler fails; returns the quit status or the handler's error. */
int loop_run(struct loop *loop);
void loop_quit(struct loop *loop, int status);

#endif /* CONNTOP_LOOP_H */
