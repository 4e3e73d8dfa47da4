# SPDX-License-Identifier: GPL-2.0-only
# conntop: `make run` builds and starts it, `make test` runs every test. Both install missing
# Debian packages first (scripts/install-deps.sh, idempotent).

VERSION := 0.1.0

# SAN=1 builds with AddressSanitizer and UndefinedBehaviorSanitizer into its own folder.
ifeq ($(SAN),1)
BUILD ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
BUILD ?= build
SANFLAGS :=
endif

CC ?= cc
CLANG ?= clang
BPFTOOL ?= $(shell command -v bpftool || echo /usr/sbin/bpftool)
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -MMD -MP $(SANFLAGS)
CPPFLAGS += -D_GNU_SOURCE -DCONNTOP_VERSION='"$(VERSION)"' -Iinclude -Isrc -Iui -I$(BUILD)
LDFLAGS += $(SANFLAGS)
LDLIBS := -lbpf -lelf -lz -lncursesw
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -Iinclude -I$(BUILD)

# Everything but main.c goes into a library the unit tests link against.
LIB_SRCS := $(filter-out src/main.c,$(wildcard src/*.c)) $(wildcard ui/*.c)
LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(patsubst tests/helpers/%.c,$(BUILD)/tests/%,$(HELPER_SRCS))
# Each fuzz target (tests/fuzz/fuzz_NAME.c) is also linked with a plain main that replays saved
# inputs: `make test` runs the corpus and every crash found through the normal builds.
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRCS))
FUZZ_REPLAYS := $(patsubst %,$(BUILD)/fuzz/replay_%,$(FUZZ_NAMES))

.PHONY: all run test check tests deps deps-test format clean
# Test objects come from a pattern chain: keep them, so a second `make` has nothing to do. (A bare
# .SECONDARY would make every object intermediate, and a missing one would then not be built.)
.SECONDARY: $(patsubst %.c,$(BUILD)/%.o,$(UNIT_SRCS) $(HELPER_SRCS) $(FUZZ_SRCS) tests/fuzz/replay.c)
.DEFAULT_GOAL := all

all: $(BUILD)/conntop

$(BUILD)/vmlinux.h:
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@

$(BUILD)/conntop.bpf.o: bpf/conntop.bpf.c bpf/conntop.bpf.h include/conntop/event.h $(BUILD)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/conntop.skel.h: $(BUILD)/conntop.bpf.o
	$(BPFTOOL) gen skeleton $< name conntop_bpf > $@.tmp && mv $@.tmp $@

# The loader includes the skeleton; -MMD cannot know that before it exists.
$(BUILD)/src/bpf_loader.o: $(BUILD)/conntop.skel.h

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/libconntop.a: $(LIB_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/conntop: $(BUILD)/src/main.o $(BUILD)/libconntop.a
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/test_%: $(BUILD)/tests/unit/test_%.o $(BUILD)/libconntop.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -lcmocka -o $@

$(BUILD)/tests/%: $(BUILD)/tests/helpers/%.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ -o $@

$(FUZZ_REPLAYS): $(BUILD)/fuzz/replay_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay.o \
		$(BUILD)/libconntop.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

tests: $(BUILD)/conntop $(UNIT_BINS) $(HELPER_BINS) $(FUZZ_REPLAYS)

deps:
	@scripts/install-deps.sh build

deps-test:
	@scripts/install-deps.sh test

run: deps
	@$(MAKE) --no-print-directory all
	$(BUILD)/conntop $(ARGS)

# Builds both flavours, then runs unit and integration tests against each.
# Then the integration checks once more in a second kernel (vmtest, below: about 1.5 minutes).
test: deps-test
	@$(MAKE) --no-print-directory tests
	@$(MAKE) --no-print-directory SAN=1 tests
	tests/run.sh build build-san
	@$(MAKE) --no-print-directory vmtest

# The tests of one flavour that is already built: `make check` or `make SAN=1 check`.
check: tests
	tests/run.sh $(BUILD)

format:
	clang-format -i $(wildcard src/*.[ch] ui/*.[ch] include/conntop/*.h bpf/*.[ch] tests/*/*.[ch])

clean:
	rm -rf build build-san build-static build-fuzz

# --- install: the layout distribution packages expect, under $(DESTDIR)$(PREFIX) ---
# conntop needs root for eBPF, so it goes to sbin, as ss and bpftool do. Nothing else is written:
# `make install` builds what is missing first (as root after `make`, nothing), then installs the
# binary, the man page and the bash completion; `make uninstall` removes those three files.
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
INSTALL ?= install

.PHONY: install uninstall
install: $(BUILD)/conntop
	$(INSTALL) -D -m 0755 $(BUILD)/conntop "$(DESTDIR)$(SBINDIR)/conntop"
	$(INSTALL) -D -m 0644 docs/conntop.8 "$(DESTDIR)$(MANDIR)/man8/conntop.8"
	$(INSTALL) -D -m 0644 scripts/conntop.bash "$(DESTDIR)$(BASHCOMPDIR)/conntop"

uninstall:
	rm -f "$(DESTDIR)$(SBINDIR)/conntop" "$(DESTDIR)$(MANDIR)/man8/conntop.8" \
		"$(DESTDIR)$(BASHCOMPDIR)/conntop"

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# --- vmtest: the integration test in a second kernel (Debian's cloud kernel under qemu, TCG) ---
# A static conntop and tcpfixture go into a busybox initramfs; scripts/vmtest.sh fetches the kernel
# and busybox (apt-get download, cached in build/vm), boots it and passes on the guest's marker.
STATIC_BUILD := build-static
# The Makefile's LDLIBS with ncurses's static dependency (tinfo): keep the two in step.
STATIC_LDLIBS := -lbpf -lelf -lz -lncursesw -ltinfo

.PHONY: vmtest-static vmtest
vmtest-static:
	@$(MAKE) --no-print-directory BUILD=$(STATIC_BUILD) SAN= LDFLAGS=-static \
		LDLIBS="$(STATIC_LDLIBS)" $(STATIC_BUILD)/conntop $(STATIC_BUILD)/tests/tcpfixture

vmtest: deps
	@$(MAKE) --no-print-directory vmtest-static
	scripts/vmtest.sh $(STATIC_BUILD)

# --- bench: performance figures, as root; never part of `make test` ---
# bench/run.sh prints the table and PASS/FAIL lines for the targets (bench/README.md tells what
# each figure means and what limits it). Its load generators are built with the project's flags.
BENCH_TOOLS := $(addprefix $(BUILD)/bench/,churn hold firstline)
BENCH_BINS := $(BENCH_TOOLS) $(BUILD)/bench/framebench

.PHONY: bench
.SECONDARY: $(patsubst %,%.o,$(BENCH_BINS))

$(BENCH_TOOLS): $(BUILD)/bench/%: $(BUILD)/bench/%.o
	$(CC) $(LDFLAGS) $^ -o $@

$(BUILD)/bench/framebench: $(BUILD)/bench/framebench.o $(BUILD)/libconntop.a
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

bench:
	@scripts/install-deps.sh bench
	@$(MAKE) --no-print-directory all $(BENCH_BINS)
	bench/run.sh $(BUILD)

# --- fuzz: libFuzzer over every parser, FUZZ_TIME seconds each; never part of `make test` ---
# Everything is built again with clang into build-fuzz (coverage, ASan, UBSan), then
# tests/fuzz/run.sh runs each target of FUZZ_TARGETS from a copy of its corpus and crashes (the
# checked-in corpus grows only with FUZZ_MERGE=1) and prints each one's figures.
FUZZ_BUILD := build-fuzz
FUZZ_TIME ?= 60
FUZZ_TARGETS ?= $(FUZZ_NAMES)
FUZZ_MERGE ?= 0
FUZZ_SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer

.PHONY: fuzz
$(BUILD)/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/libconntop.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer $^ $(LDLIBS) -o $@

fuzz:
	@scripts/install-deps.sh fuzz
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang SANFLAGS="$(FUZZ_SANFLAGS)" \
		$(patsubst %,$(FUZZ_BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))
	FUZZ_TIME=$(FUZZ_TIME) FUZZ_MERGE=$(FUZZ_MERGE) tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_TARGETS)

# --- soak: conntop for SOAK_SECONDS under churn and the lab's servers, as root; never part of
# `make test`. The sanitizer build runs headless (and for a part on the screen) while its memory
# is sampled, then the normal build runs under valgrind. tests/soak/README.md tells what it checks.
SOAK_SECONDS ?= 600

.PHONY: soak
soak:
	@scripts/install-deps.sh soak
	@$(MAKE) --no-print-directory BUILD=build SAN= build/conntop build/bench/churn \
		build/tests/tcpfixture
	@$(MAKE) --no-print-directory BUILD=build-san SAN=1 build-san/conntop
	SOAK_SECONDS=$(SOAK_SECONDS) tests/soak/soak.sh
