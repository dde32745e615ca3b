# evs top-level Makefile.
#   make          build kernel/evs.ko and userspace (evsd, evsadm)
#   make deps     install the Debian packages the project needs (idempotent)
#   make check    unit tests on the host + kernel selftests in the VM
#   make demo     a full session in the VM (natively where modules load)
SHELL := /bin/bash
TOP := $(CURDIR)
EVS_VERSION ?= $(shell git -C $(TOP) describe --always --dirty 2>/dev/null || echo 0.1)
KDIR ?= $(shell $(TOP)/scripts/find-kdir)
BUILD := $(TOP)/build
export EVS_VERSION KDIR BUILD TOP

.PHONY: all module userspace selftests initramfs kselftest-headers deps check unit \
	vmtests demo clean checkpatch fuzz fuzz-long install

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

selftests: kselftest-headers
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

check:
	scripts/deps --if-missing
	scripts/check

demo:
	scripts/deps --if-missing
	$(MAKE) all
	scripts/demo

checkpatch:
	scripts/checkpatch

install: all
	scripts/install

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP) clean
	$(MAKE) -C userspace clean
	-$(MAKE) -C selftests clean
	rm -rf $(BUILD)
