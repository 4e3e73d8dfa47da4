// SPDX-License-Identifier: GPL-2.0-only
#include "addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>

int addr_format(char *buf, size_t size, int family, const uint8_t *addr, uint16_t port)
{
	char text[INET6_ADDRSTRLEN];

	if ((family != AF_INET && family != AF_INET6) ||
	    !inet_ntop(family, addr, text, sizeof(text))) {
		snprintf(buf, size, "?");
		return -EAFNOSUPPORT;
	}
	if (family == AF_INET6)
		return snprintf(buf, size, "[%s]:%u", text, port);
	return snprintf(buf, size, "%s:%u", text, port);
}

const char *tcp_state_name(unsigned int state)
{
	static const char *const names[] = {
		[1] = "ESTABLISHED", [2] = "SYN_SENT",	[3] = "SYN_RECV", [4] = "FIN_WAIT1",
		[5] = "FIN_WAIT2",   [6] = "TIME_WAIT", [7] = "CLOSE",	  [8] = "CLOSE_WAIT",
		[9] = "LAST_ACK",    [10] = "LISTEN",	[11] = "CLOSING", [12] = "NEW_SYN_RECV",
	};

	if (state >= sizeof(names) / sizeof(names[0]) || !names[state])
		return "UNKNOWN";
	return names[state];
}
