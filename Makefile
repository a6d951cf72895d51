# pilotomail: build, run, demo, check, bench, install. See README.md.
#
# Sources are found by wildcard: a new file under src/<module>/ is built without touching this file.
# src/main/<program>.c are the programs; everything else goes into one static library.

PREFIX   ?= /usr/local
DESTDIR  ?=
DATADIR  ?= $(PREFIX)/share/pilotomail
MANDIR   ?= $(PREFIX)/share/man
PORT     ?= 8080
BUILD    ?= build
PYTHON   ?= /usr/bin/python3
VERSION  := 0.1.0

CC       ?= cc
# Where templates and static files are read from: the checkout, unless installing.
PILOTOMAIL_DATADIR ?= $(CURDIR)
# Libraries with a pkg-config file (ClearSilver has none: its flags are spelled out below).
# Both are read when a recipe runs, so a first build after `make deps` finds them.
PKGS     := libcurl jansson sqlite3 libpq openssl fcgi
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
CS_CFLAGS := -I/usr/include/ClearSilver
CS_LIBS   := -lneo_cgi -lneo_cs -lneo_utl -lz

WARN     := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wcast-qual -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -Wformat-security -Wvla -Wundef -Wno-unused-parameter
HARDEN   := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
CFLAGS   ?= -O2 -g
CPPFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Isrc -I$(BUILD) $(CS_CFLAGS) \
            -DPILOTOMAIL_VERSION='"$(VERSION)"' -DPILOTOMAIL_DATADIR='"$(PILOTOMAIL_DATADIR)"'
LDFLAGS  ?=
LDHARDEN := -pie -Wl,-z,relro,-z,now
LIBS      = $(CS_LIBS) $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm

ifeq ($(SAN),1)
CFLAGS   := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined \
            -DPILOTOMAIL_LEAK_CHECK
HARDEN   := -fPIE
LDFLAGS  += -fsanitize=address,undefined
endif


ALL_SRC   := $(wildcard src/*/*.c)
MAIN_SRC  := $(wildcard src/main/*.c)
LIB_SRC   := $(filter-out $(MAIN_SRC),$(ALL_SRC))
LIB_OBJ   := $(patsubst src/%.c,$(BUILD)/%.o,$(LIB_SRC)) $(BUILD)/store/migrations_table.o
MIGRATIONS := $(sort $(wildcard src/store/migrations/*.sql))
MANPAGES  := $(wildcard src/main/*.8)
UNIT_SRC  := $(wildcard tests/unit/check_*.c)
UNIT_BIN  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)

# Programs go under OUT (the checkout by default; the sanitizer build puts its own in build-asan/).
OUT      ?=
PROGRAMS := $(OUT)cgi-bin/pilotomail.fcgi $(OUT)cgi-bin/webhook.fcgi $(OUT)bin/pilotomail-worker \
            $(OUT)bin/pilotomail-admin

.PHONY: all deps deps-check run demo check check-pg unit e2e e2e-apache browser chaos asan valgrind bench bench-growth fuzz \
        install clean
all: deps-check $(PROGRAMS)

# Installs the Debian packages the build, the run and the tests need (as root), when missing.
deps:
	@sh conf/deps.sh install
deps-check:
	@sh conf/deps.sh ensure

$(BUILD)/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(WARN) $(HARDEN) -MMD -MP -c $< -o $@

# The migration table, generated from the .sql files in name order.
$(BUILD)/store/migrations_table.c: $(MIGRATIONS) src/store/migrations/embed.sh
	@mkdir -p $(dir $@)
	sh src/store/migrations/embed.sh $(MIGRATIONS) > $@
$(BUILD)/store/migrations_table.o: $(BUILD)/store/migrations_table.c
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(WARN) $(HARDEN) -c $< -o $@

$(BUILD)/libpilotomail.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(OUT)cgi-bin/%.fcgi: $(BUILD)/main/%.o $(BUILD)/libpilotomail.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(LDHARDEN) -o $@ $^ $(LIBS)
$(OUT)bin/pilotomail-%: $(BUILD)/main/%.o $(BUILD)/libpilotomail.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(LDHARDEN) -o $@ $^ $(LIBS)

# Unit tests: one Check program per tests/unit/check_*.c.
$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libpilotomail.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(WARN) -Itests/unit $(shell pkg-config --cflags check) \
	    $(LDFLAGS) -o $@ $< $(BUILD)/libpilotomail.a $(LIBS) $(shell pkg-config --libs check)

# make bench's yardstick: a hello-world FastCGI program (libfcgi + one ClearSilver render).
bench: $(BUILD)/bench/hello.fcgi
$(BUILD)/bench/hello.fcgi: tests/bench/hello.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(WARN) $(HARDEN) $(LDFLAGS) $(LDHARDEN) -o $@ $< $(LIBS)

unit: deps-check $(UNIT_BIN)
	@sh tests/unit/run.sh $(UNIT_BIN)

e2e: all
	$(PYTHON) -m pytest -q -p no:cacheprovider tests/sim tests/e2e

# The end-to-end tests mostly wait (on the worker, the simulator, the SMTP sink), so test files run
# TEST_JOBS at a time (pytest-xdist; each file keeps its own servers, ports and store).
TEST_JOBS ?= 3
PYTEST = $(PYTHON) -m pytest -q -p no:cacheprovider -n $(TEST_JOBS) --dist loadfile

# Every test: unit tests, the end-to-end suite behind Apache, then the simulator's self-check,
# the end-to-end suite behind lighttpd, the multi-host test, a short chaos run (make chaos runs
# the full one) and the browser flows, all on SQLite; then the same unit, end-to-end, multi-host
# and chaos tests on PostgreSQL, in a throwaway cluster of its own (make check-pg).
check: all $(UNIT_BIN)
	@sh tests/unit/run.sh $(UNIT_BIN)
	PILOTOMAIL_E2E_SERVER=apache $(PYTEST) tests/e2e
	$(PYTEST) tests/sim tests/e2e tests/multihost tests/chaos tests/browser
	PYTEST="$(PYTEST)" sh tests/pg/check-pg.sh $(UNIT_BIN)

# The operator's and the renter's flows in Debian's chromium at 1366x900 and 390x844
# (tests/browser; screenshots of every page in tests/browser/screenshots/).
browser: all
	$(PYTHON) -m pytest -q -p no:cacheprovider tests/browser

# Unit tests, the end-to-end suite behind lighttpd, the multi-host and the short chaos test on
# PostgreSQL, in a throwaway cluster of their own (tests/pg/cluster.py, stopped at the end).
# tests/pg/probe.py first checks that the programs migrate a PostgreSQL database.
check-pg: all $(UNIT_BIN)
	PYTEST="$(PYTEST)" sh tests/pg/check-pg.sh $(UNIT_BIN)

# Webhook and fee storms while webhook.fcgi and the worker are SIGKILLed (tests/chaos/test_chaos.py;
# CHAOS_SEED repeats a run). Prints one summary line: kills survived and how long it took.
chaos: all
	CHAOS_SCALE=full $(PYTHON) -m pytest -q -s -p no:cacheprovider tests/chaos

e2e-apache: all
	PILOTOMAIL_E2E_SERVER=apache $(PYTHON) -m pytest -q -p no:cacheprovider tests/e2e

# Unit tests and the end-to-end suite on an AddressSanitizer + UBSan build (programs in
# build-asan/cgi-bin and build-asan/bin; a sanitizer report fails the run).
ASAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
asan: deps-check
	$(MAKE) BUILD=build-asan OUT=build-asan/ SAN=1 \
	    $(addprefix build-asan/,$(PROGRAMS)) $(patsubst $(BUILD)/%,build-asan/%,$(UNIT_BIN))
	$(ASAN_ENV) sh tests/unit/run.sh $(patsubst $(BUILD)/%,build-asan/%,$(UNIT_BIN))
	$(ASAN_ENV) PILOTOMAIL_E2E_BIN_ROOT=$(CURDIR)/build-asan $(PYTHON) -m pytest -q -p no:cacheprovider tests/e2e

valgrind: all $(UNIT_BIN)
	@for t in $(UNIT_BIN); do CK_FORK=no valgrind -q --error-exitcode=1 --leak-check=full $$t || exit 1; done

bench: all
	$(PYTHON) tests/bench/run.py

# The big operator's pages on a grown store (tests/bench/grow; GROW_SCALE=0.01 for a quick run,
# GROWN_DB=path to reuse one) against an empty store: tests/bench/growth-results.txt.
bench-growth: all
	$(PYTHON) tests/bench/growth.py

fuzz:
	@sh conf/deps.sh ensure fuzz
	sh tests/fuzz/run.sh $(FUZZ_SRC)

# Both build quietly (only a warning or an error would show) and stop cleanly on Ctrl-C.
run: deps-check
	@$(MAKE) -s --no-print-directory $(PROGRAMS)
	@sh conf/run.sh

demo: deps-check
	@echo "Building pilotomail..."
	@$(MAKE) -s --no-print-directory $(PROGRAMS)
	@PILOTOMAIL_DEMO=1 sh conf/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pilotomail/cgi-bin \
	    $(DESTDIR)$(DATADIR)/templates $(DESTDIR)$(DATADIR)/static $(DESTDIR)$(DATADIR)/conf \
	    $(DESTDIR)$(PREFIX)/lib/systemd/system $(DESTDIR)$(MANDIR)/man8
	$(MAKE) PILOTOMAIL_DATADIR=$(DATADIR) BUILD=build-install OUT=build-install/ \
	    $(addprefix build-install/,$(PROGRAMS))
	install -m 755 build-install/bin/pilotomail-worker build-install/bin/pilotomail-admin $(DESTDIR)$(PREFIX)/bin/
	install -m 755 build-install/cgi-bin/pilotomail.fcgi build-install/cgi-bin/webhook.fcgi \
	    $(DESTDIR)$(PREFIX)/lib/pilotomail/cgi-bin/
	install -m 644 $(MANPAGES) $(DESTDIR)$(MANDIR)/man8/
	install -m 644 templates/*.cs $(DESTDIR)$(DATADIR)/templates/
	install -m 644 static/* $(DESTDIR)$(DATADIR)/static/
	install -m 644 conf/*.example conf/*.in conf/*.service $(DESTDIR)$(DATADIR)/conf/
	for u in pilotomail-worker.service pilotomail-worker@.service pilotomail-fcgi@.service; do \
	    sed 's|@PREFIX@|$(PREFIX)|g' conf/$$u > $(DESTDIR)$(PREFIX)/lib/systemd/system/$$u; done

clean:
	rm -rf build build-asan build-install build-fuzz bin
	rm -f cgi-bin/*.fcgi

# Objects of the programs are kept between builds (make would delete them as intermediates).
.SECONDARY:

-include $(wildcard $(BUILD)/*/*.d)
