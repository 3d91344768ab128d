# eBPF sensor: vmlinux.h from the running kernel's BTF, the BPF object, and
# its libbpf skeleton, generated into $(BUILD)/gen (shared by all variants).
GEN          := $(BUILD)/gen
BPF_CLANG    ?= clang
BPF_ARCH     := $(shell uname -m | sed 's/x86_64/x86/; s/aarch64/arm64/')
VMLINUX_BTF  ?= /sys/kernel/btf/vmlinux

$(GEN)/vmlinux.h:
	@mkdir -p $(@D)
	@test -r $(VMLINUX_BTF) || { echo "eBPF: $(VMLINUX_BTF) is missing: the kernel has no BTF (CONFIG_DEBUG_INFO_BTF)" >&2; exit 1; }
	bpftool btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@

$(GEN)/sensor.bpf.o: src/sensor/sensor.bpf.c src/sensor/sensor_event.h $(GEN)/vmlinux.h
	$(BPF_CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -I$(GEN) -Isrc \
	  -Wall -Werror -c $< -o $@

$(GEN)/sensor.skel.h: $(GEN)/sensor.bpf.o
	bpftool gen skeleton $< name sensor_bpf > $@.tmp && mv $@.tmp $@

ifneq ($(filter sensor,$(MODULES)),)
GENERATED += $(GEN)/sensor.skel.h
endif
