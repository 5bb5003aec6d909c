# netswap: source -> patched kernel -> bzImage; init -> cpio -> netboot.
# Every output lands under out/. `make help` lists the targets.

OUT      ?= out
CACHE    ?= $(HOME)/.cache/netswap
RESCUE   ?= 0
SERVER   ?= 10.0.2.2
NBD_PORT ?= 10809
export NETSWAP_CACHE := $(CACHE)

INIT_SRCS := $(sort $(wildcard init/*.c))
INIT_HDRS := $(wildcard init/*.h)
# Pure modules: no system calls, tested and fuzzed on the host.
PURE_SRCS := init/fmt.c init/addr.c init/msgbuf.c init/cmdline.c init/cmdline_nbd.c init/cmdline_ip.c init/template.c init/dhcp.c init/ipudp.c init/nbd_proto.c

WARN      := -std=gnu11 -Wall -Wextra -Werror
# musl has no _FORTIFY_SOURCE; the host builds of the same code use it.
INIT_CFLAGS := $(WARN) -Os -fstack-protector-strong -ffunction-sections -fdata-sections \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -isystem $(OUT)/musl-include
# noseparate-code: no page padding between code and data (saves 7 KiB)
INIT_LDFLAGS := -static -Wl,--gc-sections -s -Wl,-z,noseparate-code -Wl,--build-id=none
HOST_CFLAGS := $(WARN) -g -O1 -D_FORTIFY_SOURCE=2 -fsanitize=address,undefined \
	-fno-sanitize-recover=all -Iinit

.PHONY: all help deps kernel stock-kernel lockdep-kernel kernel-series init initramfs netboot testroot rootfs run shell \
	systemd-root slurm-rootfs slurm-node \
	check unit fuzz fuzz-check torture bench faults serverbench mirrorbench zswapbench serve clean
all: kernel initramfs netboot

help:
	@echo "make            kernel, initramfs and netboot tree under $(OUT)/"
	@echo "make run        build, serve NBD swap and root on loopback, boot a demo node in QEMU"
	@echo "make shell      the same, ending in the node's shell"
	@echo "make check      host unit tests, fuzz smoke, QEMU end-to-end tests"
	@echo "make kernel | stock-kernel | lockdep-kernel | kernel-series | initramfs [RESCUE=1] [FIRMWARE=\"bnx2x ice\"] | netboot SERVER= NBD_PORT="
	@echo "make netboot SWAP_SERVERS=\"A B\" SWAP_LAYOUT=spread|stripe|mirror   swap on several servers (README)"
	@echo "make rootfs     a Debian 12 node root with systemd and netswap's integration: $(OUT)/rootfs.ext4"
	@echo "make slurm-rootfs   the same with a one-node Slurm cluster: $(OUT)/rootfs-slurm.ext4"
	@echo "make run ROOT=$(OUT)/rootfs.ext4   boot that root instead of the busybox demo"
	@echo "make fuzz | torture | bench | faults | serverbench | mirrorbench | zswapbench | systemd-root | slurm-node"

deps:
	@bash tools/deps.sh all

# ---- kernel ----
kernel:
	@bash tools/deps.sh build
	@bash kernel/build.sh patched $(OUT)

stock-kernel:
	@bash tools/deps.sh build
	@bash kernel/build.sh stock $(OUT)/stock

# the series with lock-order checking, for the torture
lockdep-kernel:
	@bash tools/deps.sh build
	@bash kernel/build.sh lockdep $(OUT)/lockdep

# every patch of the series built on its own, one after the other
kernel-series:
	@bash tools/deps.sh build
	@bash kernel/build.sh series $(OUT)/series

# ---- init ----
$(OUT)/musl-include/.stamp:
	@bash tools/deps.sh build
	mkdir -p $(OUT)/musl-include
	ln -sfn /usr/include/linux $(OUT)/musl-include/linux
	ln -sfn /usr/include/asm-generic $(OUT)/musl-include/asm-generic
	ln -sfn /usr/include/x86_64-linux-gnu/asm $(OUT)/musl-include/asm
	touch $@

$(OUT)/init: $(INIT_SRCS) $(INIT_HDRS) $(OUT)/musl-include/.stamp
	musl-gcc $(INIT_CFLAGS) $(INIT_LDFLAGS) -o $@ $(INIT_SRCS)
	@echo "init: $$(stat -c %s $@) bytes"

init: $(OUT)/init

# ---- initramfs ----
$(OUT)/mkcpio: initramfs/mkcpio.c
	@mkdir -p $(OUT)
	cc $(WARN) -O2 -o $@ $<

# FIRMWARE="bnx2x ice": the non-free firmware those drivers request, from
# Debian's archive (FIRMWARE_DIR=<dir>: from there); names in initramfs/firmware.list
$(OUT)/initramfs.img: $(OUT)/init $(OUT)/mkcpio initramfs/list initramfs/build.sh \
		initramfs/firmware.sh initramfs/firmware.list FORCE
	@FIRMWARE="$(FIRMWARE)" FIRMWARE_DIR="$(FIRMWARE_DIR)" bash initramfs/build.sh $(OUT) $(RESCUE)

initramfs: $(OUT)/initramfs.img

# ---- netboot ----
netboot: kernel initramfs
	@bash netboot/build.sh $(OUT) $(SERVER) $(NBD_PORT)

serve: netboot testroot
	@bash netboot/serve $(OUT)/netboot

# ---- test root and demo ----
$(OUT)/hog: tests/hog/hog.c tests/hog/pattern.c tests/hog/pattern.h tests/hog/latency.c tests/hog/latency.h
	musl-gcc $(WARN) -Os -static -s -o $@ tests/hog/hog.c tests/hog/pattern.c tests/hog/latency.c

testroot: $(OUT)/hog
	@bash tests/root/build.sh $(OUT)

# a real Debian root (mmdebstrap), cached by a hash of its inputs
rootfs:
	@bash tools/deps.sh rootfs
	@bash rootfs/build.sh $(OUT)

# the same root made a one-node Slurm cluster (rootfs/slurm/)
slurm-rootfs:
	@bash tools/deps.sh rootfs
	@ROOTFS_SLURM=1 bash rootfs/build.sh $(OUT)

# ROOT=<image>: boot that root (e.g. out/rootfs.ext4) instead of the busybox
# demo, writable through a tmpfs overlay (ROOT_MODE=ro: read-only)
run: deps kernel initramfs testroot
	@ROOT="$(ROOT)" bash tests/run-demo.sh $(OUT)

shell: deps kernel initramfs testroot
	@ROOT="$(ROOT)" bash tests/run-demo.sh $(OUT) shell

# ---- tests ----
UNIT_TESTS := $(patsubst tests/unit/%.c,$(OUT)/unit/%,$(wildcard tests/unit/test_*.c))
# Which init sources each unit test links, beside its own module.
DEPS_test_cmdline := init/fmt.c init/cmdline.c init/cmdline_nbd.c init/cmdline_ip.c init/template.c init/addr.c
DEPS_test_template := init/fmt.c init/template.c
DEPS_test_dhcp := init/fmt.c init/dhcp.c init/ipudp.c init/addr.c init/msgbuf.c
DEPS_test_addr := init/fmt.c init/addr.c
DEPS_test_fmt := init/fmt.c
DEPS_test_net := init/fmt.c init/net.c init/addr.c init/msgbuf.c init/dhcp.c init/ipudp.c init/log.c init/kfile.c init/netlink.c init/template.c \
	init/cmdline.c init/cmdline_nbd.c init/cmdline_ip.c init/dirent_iter.c
DEPS_test_ipudp := init/fmt.c init/ipudp.c
DEPS_test_nbd_proto := init/fmt.c init/nbd_proto.c init/msgbuf.c
# swap.c holds the swap step, which opens its devices through nbd.c.
DEPS_test_swap := init/swap.c init/mirror.c init/nbd.c init/metrics.c init/metrics_writer.c init/keeper.c init/helper.c init/nbd_proto.c $(DEPS_test_net)
DEPS_test_keeper := init/fmt.c init/keeper.c init/dhcp.c init/ipudp.c init/addr.c init/log.c init/kfile.c init/nbd_proto.c init/msgbuf.c
DEPS_test_metrics := init/fmt.c init/metrics.c init/keeper.c init/dhcp.c init/ipudp.c init/addr.c init/log.c init/kfile.c init/nbd_proto.c init/msgbuf.c
DEPS_test_mirror := init/mirror.c init/fmt.c init/kfile.c
DEPS_test_hog_pattern := tests/hog/pattern.c
DEPS_test_hog_latency := tests/hog/latency.c

# The module sources are prerequisites too, or an edit of init/dhcp.c
# would leave a stale test binary passing.
.SECONDEXPANSION:
$(OUT)/unit/%: tests/unit/%.c $$(DEPS_$$*) $(INIT_HDRS) tests/unit/check.h $(wildcard tests/hog/*)
	@mkdir -p $(OUT)/unit
	cc $(HOST_CFLAGS) -Itests/unit -Itests/hog -o $@ $< $(DEPS_$*)

unit: $(UNIT_TESTS)
	@bash tests/unit/run.sh $(UNIT_TESTS)

fuzz:
	@bash tests/fuzz/run.sh $(OUT)/fuzz $${FUZZ_SECONDS:-300}

fuzz-check:
	@bash tests/fuzz/run.sh $(OUT)/fuzz 10

check: deps
	@bash tests/check.sh

torture: deps kernel lockdep-kernel initramfs testroot
	@bash tests/e2e/torture.sh $(OUT)

bench: deps kernel stock-kernel initramfs testroot
	@bash tests/e2e/bench.sh $(OUT)

faults: deps kernel stock-kernel initramfs testroot
	@bash tests/e2e/faults.sh $(OUT)

# boots the Debian root of `make rootfs` under systemd, writable through
# rootovl (ROOT_MODE=ro: read-only); several minutes
systemd-root: deps kernel initramfs rootfs $(OUT)/hog
	@bash tests/e2e/systemd_root.sh $(OUT)

# Slurm's ConstrainRAMSpace/ConstrainSwapSpace (the README's cgroup.conf)
# on the Slurm root of `make slurm-rootfs` booted over NBD; six minutes and more
slurm-node: deps kernel initramfs slurm-rootfs $(OUT)/hog
	@bash tests/e2e/slurm_node.sh $(OUT)

# many simulated nodes (fio's nbd engine) against one NBD server; no QEMU
# one swap server, two striped, two mirrored: the same hog side by side
mirrorbench: deps kernel initramfs testroot
	@bash tests/bench/mirror.sh $(OUT)

serverbench: deps
	@bash tests/bench/serverbench.sh $(OUT)

# zswap off/lz4/zstd in front of NBD swap, ours and stock (35 minutes on a loaded 2-core host)
zswapbench: deps kernel stock-kernel initramfs testroot
	@bash tests/bench/zswapbench.sh $(OUT)

clean:
	rm -rf $(OUT)

FORCE:
