// SPDX-License-Identifier: GPL-2.0-only
#include "loop.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#define MAX_WATCHES 8

struct watch {
	loop_handler handler;
	void *ctx;
};

struct loop {
	int epfd;
	int nwatches;
	bool quit;
	int status;
	struct watch watches[MAX_WATCHES];
};

struct loop *loop__new(void)
{
	struct loop *loop = calloc(1, sizeof(*loop));

	if (!loop)
		return NULL;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		free(loop);
		return NULL;
	}
	return loop;
}

void loop__free(struct loop *loop)
{
	if (!loop)
		return;
	close(loop->epfd);
	free(loop);
}

int loop_watch(struct loop *loop, int fd, loop_handler handler, void *ctx)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if (loop->nwatches == MAX_WATCHES)
		return -ENOSPC;
	ev.data.u32 = loop->nwatches;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	loop->watches[loop->nwatches++] = (struct watch){ handler, ctx };
	return 0;
}

void loop_quit(struct loop *loop, int status)
{
	loop->quit = true;
	loop->status = status;
}

int loop_run(struct loop *loop)
{
	struct epoll_event events[MAX_WATCHES];

	while (!loop->quit) {
		int i, n = epoll_wait(loop->epfd, events, MAX_WATCHES, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (i = 0; i < n && !loop->quit; i++) {
			struct watch *w = &loop->watches[events[i].data.u32];
			int err = w->handler(w->ctx);

			if (err < 0)
				return err;
		}
	}
	return loop->status;
}
