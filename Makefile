# apiary — GNU make build.
#
#   make            release build of the programs into bin/
#   make check      deps, ASan+UBSan build, unit + integration tests, short fuzz runs
#   make demo       deps, build, then the main job (see README)
#   make fuzz       libFuzzer targets into build/fuzz/ (clang)
#   make bench      nothing by itself: see bench/README.md
#
# Sources are found by globbing, so adding a module is adding files:
#   src/<module>/*.c          -> build/<variant>/lib/libapiary.a
#   src/bin/<prog>.c          -> bin/<prog>  (one small main per program)
#   tests/unit/test_<x>.c     -> a cmocka test binary
#   tests/fuzz/fuzz_<x>.c     -> a libFuzzer target
#   src/<module>/module.mk    -> optional extra rules (e.g. eBPF skeletons)
#
# MODULES restricts which src/ folders are compiled; helpful while another
# module is half-written:  make MODULES="core net flow"
# BUILD chooses the object folder, so two builds can share the tree.

SHELL      := /bin/bash
BUILD      ?= build
BINDIR     ?= bin
CC         ?= cc
ifeq ($(origin CC),default)
CC         := gcc
endif
FUZZ_CC    ?= clang
PKGS       := libpcap libhs libpcre2-8 htp openssl sqlite3 libbpf zlib libcap jansson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
CMOCKA_LIBS:= $(shell pkg-config --libs cmocka 2>/dev/null)

WARN       := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-unused-parameter -Wno-format-truncation
BASE_CFLAGS:= -std=gnu17 $(WARN) -Isrc -I$(BUILD)/gen -D_GNU_SOURCE $(PKG_CFLAGS)

ALL_MODULES := $(filter-out bin,$(notdir $(patsubst %/,%,$(wildcard src/*/))))
MODULES     ?= $(ALL_MODULES)
LIB_SRCS    := $(filter-out %.bpf.c,$(foreach m,$(MODULES),$(wildcard src/$(m)/*.c)))
PROG_SRCS   := $(wildcard src/bin/*.c)
PROGS       := $(patsubst src/bin/%.c,%,$(PROG_SRCS))
UNIT_SRCS   := $(wildcard tests/unit/test_*.c)
FUZZ_SRCS   := $(wildcard tests/fuzz/fuzz_*.c)

# ---- variants --------------------------------------------------------------
# release: what users run.  asan: what make check runs.  fuzz: libFuzzer.
REL         := $(BUILD)/release
ASAN        := $(BUILD)/asan
FUZZ        := $(BUILD)/fuzz
SAN         := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

REL_CFLAGS  := $(BASE_CFLAGS) -O2 -g -MMD -MP $(CFLAGS)
ASAN_CFLAGS := $(BASE_CFLAGS) -O1 -g $(SAN) -DAPIARY_TESTING -MMD -MP $(CFLAGS)
FUZZ_CFLAGS := $(BASE_CFLAGS) -Wno-unknown-warning-option -O1 -g -fsanitize=fuzzer-no-link,address,undefined -DAPIARY_FUZZING -MMD -MP

rel_objs  = $(patsubst src/%.c,$(REL)/obj/%.o,$(LIB_SRCS))
asan_objs = $(patsubst src/%.c,$(ASAN)/obj/%.o,$(LIB_SRCS))
fuzz_objs = $(patsubst src/%.c,$(FUZZ)/obj/%.o,$(LIB_SRCS))

.PHONY: all check demo fuzz clean deps test-programs unit-tests
all: $(addprefix $(BINDIR)/,$(PROGS))

# Modules may add generated headers or extra rules (eBPF).
-include $(wildcard src/*/module.mk)

$(REL)/obj/%.o: src/%.c $(GENERATED)
	@mkdir -p $(@D)
	$(CC) $(REL_CFLAGS) -c $< -o $@
$(ASAN)/obj/%.o: src/%.c $(GENERATED)
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -c $< -o $@
$(FUZZ)/obj/%.o: src/%.c $(GENERATED)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(REL)/libapiary.a: $(rel_objs)
	@mkdir -p $(@D); rm -f $@; ar rcs $@ $^
$(ASAN)/libapiary.a: $(asan_objs)
	@mkdir -p $(@D); rm -f $@; ar rcs $@ $^
$(FUZZ)/libapiary.a: $(fuzz_objs)
	@mkdir -p $(@D); rm -f $@; ar rcs $@ $^

$(BINDIR)/%: $(REL)/obj/bin/%.o $(REL)/libapiary.a
	@mkdir -p $(@D)
	$(CC) $(REL_CFLAGS) $< -Wl,--start-group $(REL)/libapiary.a $(PKG_LIBS) -Wl,--end-group -o $@
$(REL)/obj/bin/%.o: src/bin/%.c $(GENERATED)
	@mkdir -p $(@D)
	$(CC) $(REL_CFLAGS) -c $< -o $@

# The ASan build of the programs, used by the integration tests.
$(ASAN)/bin/%: $(ASAN)/obj/bin/%.o $(ASAN)/libapiary.a
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) $< -Wl,--start-group $(ASAN)/libapiary.a $(PKG_LIBS) -Wl,--end-group -o $@
$(ASAN)/obj/bin/%.o: src/bin/%.c $(GENERATED)
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -c $< -o $@

# Unit tests: tests/lib/*.c are helpers shared by tests, in an archive so a
# test pulls in only what it uses.
TESTLIB_SRCS := $(wildcard tests/lib/*.c)
TESTLIB_OBJS := $(patsubst tests/lib/%.c,$(ASAN)/testlib/%.o,$(TESTLIB_SRCS))
$(ASAN)/testlib/%.o: tests/lib/%.c
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -Itests/lib -c $< -o $@
$(ASAN)/libtestlib.a: $(TESTLIB_OBJS)
	@mkdir -p $(@D); rm -f $@; ar rcs $@ $^
$(ASAN)/tests/%: tests/unit/%.c $(ASAN)/libapiary.a $(ASAN)/libtestlib.a
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -Itests/lib $< -Wl,--start-group $(ASAN)/libtestlib.a $(ASAN)/libapiary.a $(PKG_LIBS) -Wl,--end-group $(CMOCKA_LIBS) -o $@

$(FUZZ)/%: tests/fuzz/%.c $(FUZZ)/libapiary.a
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< -Wl,--start-group $(FUZZ)/libapiary.a $(PKG_LIBS) -Wl,--end-group -o $@

unit-tests: $(patsubst tests/unit/%.c,$(ASAN)/tests/%,$(UNIT_SRCS))
test-programs: $(addprefix $(ASAN)/bin/,$(PROGS))
fuzz: $(patsubst tests/fuzz/%.c,$(FUZZ)/%,$(FUZZ_SRCS))

deps:
	bash scripts/install-deps.sh

check: deps
	bash scripts/check.sh

demo: deps
	$(MAKE) all
	bash scripts/demo.sh

clean:
	rm -rf $(BUILD) $(BINDIR)

-include $(shell find $(BUILD) -type f -name '*.d' 2>/dev/null)
