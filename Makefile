# MallSettle — `make run` and `make test` are all a fresh machine needs.
#
#   make run     build, then replay SampleData/ night by night into var/ and Reports/
#   make test    unit, end-to-end and conformance tests, and the dashboard rendered with headless
#                Chromium (Pipelines/dashboard-check.sh: no console error, no network request)
#   make bench   the performance benchmark (figures printed, nothing asserted)
#   make reliability  the crash, fault, concurrency and security tests at full strength
#   make fuzz    the libFuzzer targets, FUZZ_SECONDS (default 600) each, one after the other
#                (FUZZ_TARGETS="csv money" for some; docs/reliability.md, "Fuzzing")

SWIFT      ?= swift
BIN_DIR    := .build/release
BIN        := $(BIN_DIR)/mallsettle
CONFORMANCE := ../shared/conformance

.PHONY: all deps build run test dashboard-check conformance bench reliability fuzz clean

all: build

# System libraries for the CSQLite and CZlib targets, installed when missing.
deps:
	@if [ ! -f /usr/include/sqlite3.h ] || [ ! -f /usr/include/zlib.h ]; then \
		echo "installing libsqlite3-dev and zlib1g-dev"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq libsqlite3-dev zlib1g-dev; \
	fi

build: deps
	$(SWIFT) build -c release --product mallsettle

run: build
	@bash Pipelines/sample-nights.sh $(BIN)

test: deps
	@python3 -c 'import openpyxl' 2>/dev/null || python3 -m pip install -q openpyxl >/dev/null 2>&1 \
		|| echo "openpyxl could not be installed: the workbook check that uses it is skipped"
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	@bash Pipelines/dashboard-check.sh .build/debug/mallsettle
	@$(MAKE) --no-print-directory conformance

# The dashboard of a small store rendered to PNG (var/dashboard-check/), checked for console
# errors and network requests; part of `test`.
dashboard-check:
	$(SWIFT) build --product mallsettle
	@bash Pipelines/dashboard-check.sh .build/debug/mallsettle

# The independent 50-day scenario, when ../shared is beside the checkout.
conformance: build
	@if [ -f $(CONFORMANCE)/run.py ]; then \
		python3 $(CONFORMANCE)/run.py $(BIN) $(CONFORMANCE)/scenario-7; \
	else \
		echo "conformance: $(CONFORMANCE) not found, skipped"; \
	fi

# The reliability suite at full strength (docs/reliability.md): 120 random kills of `run`,
# 40 of `close`, every stage boundary, 50 rounds of concurrent starts, hostile input.
reliability: deps
	$(SWIFT) build --build-tests
	MALLSETTLE_CRASH_TRIALS=120 $(SWIFT) test --skip-build --filter 'CrashTests|ConcurrencyTests|SecurityTests|FaultTests|InputFaultTests' 2>&1 | grep -E '^reliability:|Executed|error'

bench: build
	@bash Pipelines/bench.sh $(BIN)

# Not part of `test`: each target runs for minutes. Crashers land in Fuzz/crashers/.
fuzz: deps
	@bash Fuzz/run.sh $(FUZZ_TARGETS)

clean:
	rm -rf .build var
