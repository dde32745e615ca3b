# evs top-level Makefile.
#   make          build kernel/evs.ko and userspace (evsd, evsadm)
#   make deps     install the Debian packages the project needs (idempotent)
#   make check    unit tests on the host + kernel selftests in the VM
#   make demo     a full session in the VM (natively where modules load)
SHELL := /bin/bash
TOP := $(CURDIR)
# One version for evsd, evsadm, the module and the packages (scripts/version).
ifeq ($(origin EVS_VERSION),undefined)
EVS_VERSION := $(shell $(TOP)/scripts/version)
endif
# Found when a recipe first uses it, not when this file is read: `make demo`
# and `make check` install the kernel headers (scripts/deps) before that.
# Not exported, so each sub-make and script looks again (unless the caller
# set KDIR in the environment or on the command line).
KDIR ?= $(shell $(TOP)/scripts/find-kdir)
BUILD := $(TOP)/build
export EVS_VERSION BUILD TOP

.PHONY: all module userspace selftests initramfs kselftest-headers deps check unit \
	vmtests demo clean checkpatch fuzz fuzz-long install deb

all: module userspace

module:
	$(MAKE) -C $(KDIR) M=$(TOP) EVS_VERSION=$(EVS_VERSION) modules

module-w1:
	$(MAKE) -C $(KDIR) M=$(TOP) EVS_VERSION=$(EVS_VERSION) W=1 modules

userspace:
	$(MAKE) -C userspace

kselftest-headers: $(BUILD)/kselftest/kselftest_harness.h

$(BUILD)/kselftest/kselftest_harness.h:
	scripts/extract-kselftest

# After userspace: the selftests link its lib layer (one make builds it).
selftests: kselftest-headers userspace
	$(MAKE) -C selftests

initramfs:
	scripts/mkinitramfs

deps:
	scripts/deps

unit: userspace
	$(MAKE) -C userspace unit

fuzz:
	$(MAKE) -C userspace fuzz

# make fuzz-long MINUTES=N [FUZZ_JOBS=J]: every fuzz target for N minutes
fuzz-long:
	$(MAKE) -C userspace fuzz-long

vmtests: all selftests initramfs
	scripts/run-selftests

# deps first, then a new make (and scripts that find KDIR themselves), so
# both work on a machine that has none of the packages yet.
check:
	scripts/deps --if-missing
	scripts/check

demo:
	scripts/deps --if-missing
	$(MAKE) all
	scripts/demo

# Debian packages (evs, evs-dkms) and the source package, in build/deb/.
deb:
	scripts/mkdeb

checkpatch:
	scripts/checkpatch

install: all
	EVS_VERSION=$(EVS_VERSION) scripts/install

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP) clean
	$(MAKE) -C userspace clean
	-$(MAKE) -C selftests clean
	rm -rf $(BUILD)
