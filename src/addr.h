/* SPDX-License-Identifier: GPL-2.0-only */
/* Socket addresses and TCP states as people read them. */
#ifndef CONNTOP_ADDR_H
#define CONNTOP_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "255.255.255.255:65535" or "[ffff:...:ffff]:65535", with room for the NUL. */
#define ADDR_PORT_LEN 48

/*
 * Formats @addr (4 bytes for AF_INET, 16 for AF_INET6, network order) and @port as "a.b.c.d:port"
 * or "[v6]:port", the form ss and URLs use. Returns the length, or -EAFNOSUPPORT for another family
 * (the buffer then holds "?").
 */
int addr_format(char *buf, size_t size, int family, const uint8_t *addr, uint16_t port);

/* The length addr_format() gives (1 for "?"), without writing it. */
int addr_text_len(int family, const uint8_t *addr, uint16_t port);

/*
 * A number that sorts as addr_format()'s text does with strcmp(), to sort without writing it. For
 * IPv4 (and a family not known) it is @exact: equal numbers, equal texts. For IPv6 it holds only
 * the start of the text: equal numbers say nothing, compare the texts.
 */
uint64_t addr_text_order(int family, const uint8_t *addr, uint16_t port, bool *exact);

/* The address alone, as inet_ntop() writes it ("10.0.0.1", "fd00::1"); the same returns. */
int addr_format_host(char *buf, size_t size, int family, const uint8_t *addr);

/* "ESTABLISHED", "CLOSE_WAIT", ... as ss names them; "UNKNOWN" outside the range. */
const char *tcp_state_name(unsigned int state);

#endif /* CONNTOP_ADDR_H */
