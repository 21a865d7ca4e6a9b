# dm-remap: kernel module, shared core, userspace tool, tests.
#
#   make                 module (for KDIR) and userspace
#   make KDIR=... W=1 C=1  module against other headers, extra warnings, sparse
#   make check           unit tests, fuzzers, builds on both kernels, VM suite on both
#   make demo            boot a VM and show a remap device at work
#   make install         tool, man pages, module for KDIR (DESTDIR, PREFIX honoured)
#   make dkms-source     a DKMS source tree in build/dkms/; make dkms-add adds it
#
# KDIR defaults to the headers of Debian's linux-headers-amd64 (6.1), not of the
# running kernel: the module is tested in Debian's kernels under QEMU.

KDIR ?= /usr/src/linux-headers-$(shell scripts/kernel-version.sh 6.1 2>/dev/null)
KVER := $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
BUILD := build
# The target's version, from the one place it is set (kernel/dm-remap.h).
VERSION := $(shell awk '/^.define DMR_VERSION_(MAJOR|MINOR|PATCH) / { v = v s $$3; s = "." } END { print v }' kernel/dm-remap.h)

CC ?= gcc
CFLAGS ?= -O2 -g
USER_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -Icore $(CFLAGS)
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

CORE_SRC := $(wildcard core/*.c)
CORE_HDR := $(wildcard core/*.h)
# Userspace crc32c: ISA-L's crc32_iscsi (hardware-accelerated, like the kernel's).
CORE_LIBS := -lisal
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRC))

.PHONY: all module userspace unit fuzz check demo clean deps vm-tools tool-test bench bench-smoke bench-vm bench-profile crash-long replay-long stress-long \
	install uninstall version dkms-source dkms-add

all: module userspace

deps:
	scripts/install-deps.sh

module:
	@test -n "$(KVER)" || { echo "no kernel headers in KDIR=$(KDIR) (run scripts/install-deps.sh)"; exit 1; }
	scripts/build-kmod.sh $(KDIR) $(BUILD)/$(KVER)/kmod kernel core

TOOL_SRC := tools/dmremap/dmremap.c tools/dmremap/dumpfile.c
TOOL_HDR := tools/dmremap/dumpfile.h

userspace: $(BUILD)/dmremap $(UNIT_BIN)

$(BUILD)/dmremap: $(TOOL_SRC) $(TOOL_HDR) $(CORE_SRC) $(CORE_HDR)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $(TOOL_SRC) $(CORE_SRC) -ldevmapper $(CORE_LIBS)

# The copy the VM scenarios run, under the sanitizers.
$(BUILD)/san/dmremap: $(TOOL_SRC) $(TOOL_HDR) $(CORE_SRC) $(CORE_HDR)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) $(SAN_FLAGS) -o $@ $(TOOL_SRC) $(CORE_SRC) -ldevmapper $(CORE_LIBS)

# Unit tests link the core built with the sanitizers.
$(BUILD)/unit/%: tests/unit/%.c $(CORE_SRC) $(CORE_HDR) tests/unit/unit.h
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) $(SAN_FLAGS) -o $@ $< $(CORE_SRC) -lcmocka $(CORE_LIBS)

# O_DIRECT workloads with per-block verification, run in the guest (static:
# nothing to resolve in the initramfs).
$(BUILD)/progs/dmr-blkio: tests/vm/progs/dmr-blkio.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -Wall -Wextra -Werror $(CFLAGS) -static -pthread -o $@ $<

# The write-log replay (tests/replay/), run on the host after a VM scenario,
# with the core built with the sanitizers; mklog writes its test logs.
REPLAY_HDR := tests/replay/log-writes.h
$(BUILD)/san/dmr-log-replay $(BUILD)/san/mklog: $(BUILD)/san/%: tests/replay/%.c $(REPLAY_HDR) $(CORE_SRC) $(CORE_HDR)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) $(SAN_FLAGS) -o $@ $< $(CORE_SRC) $(CORE_LIBS)

vm-tools: $(BUILD)/san/dmremap $(BUILD)/progs/dmr-blkio $(BUILD)/san/dmr-log-replay

# The offline commands (check, dump, format, repair, restore) against images made by the shared core.
tool-test: $(BUILD)/san/dmremap $(BUILD)/san/dmr-log-replay $(BUILD)/san/mklog
	tests/tool/offline.sh $(BUILD)/san/dmremap
	tests/tool/replay.sh $(BUILD)/san/dmr-log-replay $(BUILD)/san/mklog

unit: $(UNIT_BIN)
	tests/unit/run.sh $(UNIT_BIN)

check:
	tests/check.sh

demo:
	tests/vm/demo.sh

clean:
	rm -rf $(BUILD)

version:
	@echo $(VERSION)

# Installation. DESTDIR stages it for a package; the module goes through the
# kernel's modules_install into /lib/modules/<KVER>/$(INSTALL_MOD_DIR), where
# updates/ takes precedence over an in-tree module of the same name. Kbuild
# skips depmod without a System.map (headers have none), so it runs here, on
# the live system only. Kbuild also signs the module when KDIR holds the
# kernel's signing key (a kernel built locally); with a distribution's headers
# sign-file fails, says so, and the module is installed unsigned: under
# Secure Boot, install through DKMS, which signs with its own enrolled key.
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
INSTALL_MOD_DIR ?= updates
MAN_PAGES := docs/man/dmremap.8 docs/man/dm-remap.7

install: module $(BUILD)/dmremap
	install -D -m 0755 $(BUILD)/dmremap $(DESTDIR)$(SBINDIR)/dmremap
	for m in $(MAN_PAGES); do \
		install -D -m 0644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/} || exit 1; \
	done
	$(MAKE) -C $(KDIR) M=$(CURDIR)/$(BUILD)/$(KVER)/kmod INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) modules_install
	$(if $(DESTDIR),,depmod -a $(KVER))

uninstall:
	@test -n "$(KVER)" || { echo "no kernel headers in KDIR=$(KDIR)"; exit 1; }
	rm -f $(DESTDIR)$(SBINDIR)/dmremap
	for m in $(MAN_PAGES); do rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}; done
	rm -f $(DESTDIR)/lib/modules/$(KVER)/$(INSTALL_MOD_DIR)/dm-remap.ko*
	$(if $(DESTDIR),,depmod -a $(KVER))

# DKMS: a source tree with only what the module needs, laid out as
# scripts/build-kmod.sh stages it (kernel/ at the top, core/ below it, so
# dkms's default `make -C <kernel> M=<tree>` builds it), and dkms.conf with
# the version filled in. `make dkms-add` copies it to /usr/src/dm-remap-<version>;
# then `dkms install dm-remap/<version>` builds and installs it per kernel.
DKMS_SRC := $(BUILD)/dkms/dm-remap-$(VERSION)

dkms-source:
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)/core
	cp kernel/Kbuild kernel/*.c kernel/*.h $(DKMS_SRC)/
	cp core/*.c core/*.h $(DKMS_SRC)/core/
	sed 's/@VERSION@/$(VERSION)/' dkms.conf.in > $(DKMS_SRC)/dkms.conf

dkms-add: dkms-source
	dkms add $(DKMS_SRC)

# Benchmarks: `make bench` prints figures against the goals (docs/performance.md);
# `make bench-smoke` (in make check) only proves they run. `make bench-vm` below.
# activate-bench writes a sparse 4 GiB spare image (its metadata only) to
# BENCH_IMAGE, on the disk the build is on.
BENCH_IMAGE ?= $(BUILD)/bench/spare.img
$(BUILD)/bench/core-bench $(BUILD)/bench/activate-bench: $(BUILD)/bench/%: bench/%.c bench/bench.h $(CORE_SRC) $(CORE_HDR)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -O2 -o $@ $< $(CORE_SRC) $(CORE_LIBS)

bench: $(BUILD)/bench/core-bench $(BUILD)/bench/activate-bench
	$(BUILD)/bench/core-bench 1000000
	$(BUILD)/bench/activate-bench $(BENCH_IMAGE) 1000000; rc=$$?; rm -f $(BENCH_IMAGE); exit $$rc

bench-smoke: $(BUILD)/bench/core-bench $(BUILD)/bench/activate-bench
	$(BUILD)/bench/core-bench 20000 > $(BUILD)/bench/smoke.log && echo "PASS bench/core-bench smoke" || \
		{ cat $(BUILD)/bench/smoke.log; echo "FAIL bench/core-bench smoke"; }
	$(BUILD)/bench/activate-bench $(BENCH_IMAGE) 20000 1 > $(BUILD)/bench/smoke-activate.log && \
		echo "PASS bench/activate-bench smoke" || \
		{ cat $(BUILD)/bench/smoke-activate.log; echo "FAIL bench/activate-bench smoke"; }
	rm -f $(BENCH_IMAGE)

# The I/O path against linear, activation and commit cost, in VMs (bench/vm/*.sh;
# their smoke runs are VM scenarios of make check). BENCH_KERNELS="6.1" for one.
BENCH_KERNELS ?= 6.1 6.12
bench-vm:
	bench/run-vm.sh $(BENCH_KERNELS)

# Where the I/O path's time goes in the guest, dm-remap against linear (perf).
bench-profile:
	bench/run-profile.sh $(BENCH_KERNELS)

# The long form of the power-cut test (make check runs 3 cuts per kernel).
CRASHES ?= 30
crash-long:
	CRASHES=$(CRASHES) SCENARIOS=power-cut tests/vm/run-suite.sh

# The long form of the write-log replay: the storm REPLAY_RUNS times per
# kernel (each a new random interleaving), more random subsets where a flush
# interval is too long to try every subset.
REPLAY_RUNS ?= 5
replay-long:
	for i in $$(seq $(REPLAY_RUNS)); do \
		REPLAY_ARGS="--subsets 200 --exhaustive 12" SCENARIOS=log-replay tests/vm/run-suite.sh || exit 1; \
	done

# The long form of the stress scenario (make check runs scale 1): more
# rounds of remaps, fio passes and suspend/resume cycles.
STRESS_SCALE ?= 10
stress-long:
	DMR_APPEND="dmr.scale=$(STRESS_SCALE)" VM_TIMEOUT=$$((600 * $(STRESS_SCALE))) \
		SCENARIOS=stress tests/vm/run-suite.sh

# Fuzzers (libFuzzer, clang). `make fuzz` runs each for FUZZ_SECONDS from its
# seed corpus in tests/fuzz/corpus/<name>; findings land in build/fuzz/.
FUZZ_SECONDS ?= 20
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))

$(BUILD)/fuzz/%: tests/fuzz/%.c $(CORE_SRC) $(CORE_HDR)
	@mkdir -p $(@D)
	clang $(USER_CFLAGS) -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ $< $(CORE_SRC) $(CORE_LIBS)

# The reader of dump's text is the tool's (restore), not the core's.
$(BUILD)/fuzz/fuzz_dump: tests/fuzz/fuzz_dump.c tools/dmremap/dumpfile.c $(TOOL_HDR) $(CORE_SRC) $(CORE_HDR)
	@mkdir -p $(@D)
	clang $(USER_CFLAGS) -Itools/dmremap -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ $< tools/dmremap/dumpfile.c $(CORE_SRC) $(CORE_LIBS)

fuzz: $(FUZZ_BIN)
	tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BIN)
