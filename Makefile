# Every target sets up what it needs: a fresh clone only needs python3 (3.11+) and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup demo test lint typecheck unit wheel-check fuzz bench calibrate tui serve clean

$(STAMP): pyproject.toml setup.py leadreview/search/_kernels*.[ch] leadreview/search/_batch_kernels.c \
		leadreview/simulation/_normals.c leadreview/audit/_verify_kernels.c \
		leadreview/audit/_verify_sqlite.c leadreview/audit/_verify_entry.h \
		leadreview/audit/_verify_tree.h leadreview/audit/_verify_utf8.h
	@# OpenSSL's headers (libssl-dev; a fresh Debian lacks them) build the verifier's
	@# compiled loop, leadreview/audit/_verify_kernels.c, during the install below. Without
	@# them it is skipped and `audit verify` hashes through hashlib: same verdicts, slower.
	@[ -f /usr/include/openssl/evp.h ] || { [ "$$(id -u)" = 0 ] && apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libssl-dev; } \
		|| echo "note: libssl-dev is not installed; audit verify will run without its compiled loop"
	@# SQLite's headers (libsqlite3-dev) build verify's SQLite reader too,
	@# leadreview/audit/_verify_sqlite.c. Without them it is skipped and `audit verify` reads
	@# rows through Python's sqlite3 driver: same verdicts, slower.
	@[ -f /usr/include/sqlite3.h ] || { [ "$$(id -u)" = 0 ] && apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsqlite3-dev; } \
		|| echo "note: libsqlite3-dev is not installed; audit verify will read rows through the driver"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@# Headless Chromium renders the HTML reports in tests/test_report.py (root installs it).
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
		|| echo "note: chromium is not installed; the browser test will be skipped"
	@# Go's sumdb/note and sumdb/tlog check our checkpoints, tiles and proofs
	@# (tests/test_audit_go_interop.py, which fails without them).
	@{ command -v go >/dev/null 2>&1 && [ -d /usr/share/gocode/src/golang.org/x/mod/sumdb ]; } \
		|| { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq golang-go golang-golang-x-mod-dev; } \
		|| echo "note: golang-go and golang-golang-x-mod-dev are needed by the Go interop test"
	touch $(STAMP)

## Install everything a fresh machine needs (the venv, and chromium for the report test).
setup: $(STAMP)

## The main job on the embedded default (SQLite in the user's data directory): replay the
## ACLU 2018 test under the bundled policies, record every search, lead and verdict in the
## audit log, sign a checkpoint and verify the chain.
demo: $(STAMP)
	$(BIN)/leadreview replay aclu-2018 --record
	@echo "The signed checkpoint (C2SP signed note) an outside auditor can hold the log to:"
	$(BIN)/leadreview audit checkpoint
	$(BIN)/leadreview audit verify
	@echo ""
	@echo "Done: every search, lead and policy verdict of the replay is in the audit log above,"
	@echo "and the log verifies. What to try next (each command has --help):"
	@echo "  $(BIN)/leadreview                        review leads yourself in the terminal app"
	@echo "  $(BIN)/leadreview compare --seeds 10     the policies side by side, per group"
	@echo "  $(BIN)/leadreview exercise start wcso-cold-cases   run a tabletop exercise"
	@echo "  $(BIN)/leadreview audit show             who did what, under which policy"

## The whole test suite: lint (with the layers contract), types, every test (SQLite and
## PostgreSQL), then the built wheel installed and run away from the checkout.
test: lint typecheck unit wheel-check

lint: $(STAMP)
	$(BIN)/ruff check leadreview tests bench
	$(BIN)/ruff format --check leadreview tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

## Tests run in parallel (pytest-xdist): each has its own folder, data directory and
## PostgreSQL schema, and servers bind port 0. `make unit WORKERS=auto` on a bigger machine.
WORKERS ?= 2
unit: $(STAMP)
	$(BIN)/python -m pytest -q -n $(WORKERS)

## The wheel a user installs: build it, install it into a fresh virtual environment
## outside the checkout, and run it from a folder where the checkout is not on the path,
## with no config or data of the developer's: it must find its policies and fixtures.
## Where a C compiler exists, the wheel must hold the compiled search kernel (optional
## elsewhere: the search then runs on numpy), with OpenSSL's headers too the compiled
## verifier loop (optional elsewhere: verify then hashes through hashlib), and with SQLite's
## headers as well verify's SQLite reader (optional elsewhere: rows come through the driver).
wheel-check: $(STAMP)
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	echo "wheel-check: building and installing the wheel in $$tmp"; \
	$(BIN)/python -m pip wheel -qq --no-deps --wheel-dir "$$tmp/dist" . ; \
	$(PYTHON) -m venv "$$tmp/venv"; \
	"$$tmp/venv/bin/python" -m pip install -qq "$$tmp"/dist/leadreview-*.whl; \
	cd "$$tmp"; \
	run() { env -i PATH=/usr/bin:/bin HOME="$$tmp/home" LANG=C.UTF-8 COLUMNS=200 \
		XDG_CONFIG_HOME="$$tmp/config" XDG_DATA_HOME="$$tmp/data" \
		"$$tmp/venv/bin/leadreview" "$$@"; }; \
	"$$tmp/venv/bin/python" -c 'from leadreview.paths import data_root; \
		assert "site-packages" in str(data_root()), data_root()'; \
	if command -v cc >/dev/null 2>&1; then \
		"$$tmp/venv/bin/python" -c 'import sys, zipfile; \
			names = zipfile.ZipFile(sys.argv[1]).namelist(); \
			assert any(n.startswith("leadreview/search/_kernels.") for n in names), \
			"the wheel lacks the compiled kernel"' "$$tmp"/dist/leadreview-*.whl; \
		"$$tmp/venv/bin/python" -c 'from leadreview.search.block_scoring import kernel_built; \
			assert kernel_built(); print("wheel-check: the compiled kernel is installed")'; \
		"$$tmp/venv/bin/python" -c 'from leadreview.search.topk_whole import batch_kernels; \
			from leadreview.simulation.normals import compiled_normals; \
			assert batch_kernels() is not None, "the wheel lacks the batch kernels"; \
			assert compiled_normals() is not None, "the compiled normals are missing or differ"; \
			print("wheel-check: the batch kernels and the compiled normals are installed")'; \
		if [ -f /usr/include/openssl/evp.h ]; then \
			"$$tmp/venv/bin/python" -c 'from leadreview.audit.chain_kernel import kernel_built; \
				assert kernel_built(), "the wheel lacks the compiled verifier loop"; \
				print("wheel-check: the compiled verifier loop is installed")'; \
			if [ -f /usr/include/sqlite3.h ]; then \
				"$$tmp/venv/bin/python" -c 'from leadreview.audit.chain_kernel import \
					sqlite_reader_built; \
					assert sqlite_reader_built(), "the wheel lacks the compiled SQLite reader"; \
					print("wheel-check: the compiled SQLite reader is installed")'; \
			fi; \
		fi; \
	fi; \
	run policy list | tee "$$tmp/policies.txt"; \
	grep -q wcso-practice "$$tmp/policies.txt"; \
	run replay aclu-2018 --json > "$$tmp/replay.json"; \
	"$$tmp/venv/bin/python" -c 'import json, sys; r = json.load(open(sys.argv[1])); \
		assert r["policies"], r; print("wheel-check: replay aclu-2018 --json:", \
		len(r["policies"]), "policies")' "$$tmp/replay.json"

## The fuzzing harness at length: a few thousand generated hostile inputs (policy, scenario
## and config files, images, descriptors, exports, saved responses, command lines) through
## the real CLI, in-process; the last line says how many cases ran and how long they took.
## The cases that write to the database run on PostgreSQL too (LEADREVIEW_TEST_POSTGRES_URL,
## a fresh schema; skipped loudly without a server unless LEADREVIEW_REQUIRE_POSTGRES=1).
## Bounded: 7 minutes at most (`timeout`), and 8 GiB of address space (`ulimit -v`), so
## that a case which would take the machine's memory fails as a MemoryError instead.
fuzz: $(STAMP)
	ulimit -v 8388608 && LEADREVIEW_FUZZ=1 timeout 420 $(BIN)/python -m pytest tests/fuzz -q

## Benchmarks, each printed as a ratio against a baseline measured in the same run.
bench: $(STAMP)
	$(BIN)/python -m bench

## The terminal app on the embedded default, and the same app served to browsers.
tui: $(STAMP)
	$(BIN)/leadreview tui

serve: $(STAMP)
	$(BIN)/leadreview serve

calibrate: $(STAMP)
	$(BIN)/leadreview calibrate

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
