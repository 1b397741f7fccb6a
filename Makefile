# agora — one binary: master, agent, jobs, CLI.
#
#   make          build ./agora
#   make check    install deps, build, run every test, print "N passed, N failed"
#   make up       install deps, build, run the whole stack on loopback; ports by
#                 UP_FLAGS='--master_port=15050 --agent_port=15051 --jobs_port=14400'
#                 or AGORA_MASTER_PORT=15050 AGORA_AGENT_PORT=... AGORA_JOBS_PORT=...
#   make asan     the whole suite against an ASan+UBSan build, invariants checked
#   make fuzz     run each libFuzzer target for FUZZ_SECONDS
#   make deps     install the Debian packages the project needs (idempotent)

CC       ?= gcc
BUILD    ?= build
PKGS     := libevent libevent_openssl jansson sqlite3 libcrypto libssl libcurl libarchive
# libcurl and libarchive are dlopen'ed by the fetcher (src/agent/fetch_libs.c):
# only their headers are needed at build time.
LINK_PKGS := libevent libevent_openssl jansson sqlite3 libcrypto libssl
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wno-format-nonliteral -Wno-format-truncation -Wvla -Wpointer-arith
OPT      ?= -O2 -g
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(LINK_PKGS) 2>/dev/null)
# DEFS=-DAGORA_ASSERT turns the invariant checks on (src/core/invariant.h);
# make asan and the fuzz tree always build with it.
DEFS     ?=
CFLAGS   += -std=c17 -D_GNU_SOURCE -Isrc $(WARN) $(OPT) $(SAN) $(DEFS) $(PKG_CFLAGS) -MMD -MP
LDFLAGS  += $(SAN)
LDLIBS   += $(PKG_LIBS) -ldl -lm

LIB_SRC  := $(sort $(wildcard src/core/*.c src/master/*.c src/agent/*.c \
              src/framework/*.c src/jobs/*.c src/cli/*.c))
LIB_OBJ  := $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o)
LIB      := $(BUILD)/libagora.a
BIN      := $(if $(filter build,$(BUILD)),agora,$(BUILD)/agora)

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_SRC := $(sort $(wildcard tests/helpers/*.c))
HELPER_BIN := $(HELPER_SRC:tests/helpers/%.c=$(BUILD)/helpers/%)
FAKE_NVML  := $(BUILD)/helpers/fake-nvml/libnvidia-ml.so.1

FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BUILD := build-fuzz
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_SECONDS ?= 60

.PHONY: all deps check asan fuzz up clean unit tests-bin fuzz-bin
.DELETE_ON_ERROR:
all: $(BIN)

deps:
	@scripts/deps.sh

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcsP $@ $^

$(BIN): $(BUILD)/obj/main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# Unit tests may build fixtures with libarchive/libcurl themselves.
TEST_LDLIBS := $(shell pkg-config --libs libcurl libarchive 2>/dev/null) -lcmocka
$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-missing-prototypes $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS) $(TEST_LDLIBS)

$(BUILD)/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

$(FAKE_NVML): tests/fake-nvml/nvml.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -shared -Wl,-soname,libnvidia-ml.so.1 -o $@ $<

tests-bin: $(BIN) $(UNIT_BIN) $(HELPER_BIN) $(if $(wildcard tests/fake-nvml/nvml.c),$(FAKE_NVML))

# Fuzz targets: clang + libFuzzer, every library source built with the fuzzer
# instrumentation into its own tree so the normal build stays gcc.
FUZZ_CFLAGS := -std=c17 -D_GNU_SOURCE -DAGORA_ASSERT -Isrc -g -O1 $(PKG_CFLAGS) \
               -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
FUZZ_OBJ := $(LIB_SRC:src/%.c=$(FUZZ_BUILD)/obj/%.o)
$(FUZZ_BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@
$(FUZZ_BUILD)/libagora.a: $(FUZZ_OBJ)
	@rm -f $@
	ar rcsP $@ $^
$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_BUILD)/libagora.a
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_BUILD)/libagora.a $(LDLIBS)
fuzz-bin: $(FUZZ_BIN)

fuzz: deps fuzz-bin
	@for f in $(FUZZ_BIN); do n=$$(basename $$f); mkdir -p tests/fuzz/corpus/$$n; \
	  echo "== $$n ($(FUZZ_SECONDS)s)"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 tests/fuzz/corpus/$$n || exit 1; done

check: deps
	@$(MAKE) --no-print-directory all tests-bin fuzz-bin
	@scripts/run-tests.sh $(BUILD) $(BIN)

asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -g" DEFS=-DAGORA_ASSERT \
	  SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  tests-bin
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  scripts/run-tests.sh build-asan build-asan/agora

up: deps
	@$(MAKE) --no-print-directory all
	./agora up $(UP_FLAGS)

clean:
	rm -rf build build-asan build-fuzz agora

-include $(LIB_OBJ:.o=.d) $(BUILD)/obj/main.d $(FUZZ_OBJ:.o=.d)
