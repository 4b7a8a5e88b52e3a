# Postbox — the two commands: `make run` and `make test`.
SWIFT      ?= swift
CONFIG     ?= debug
DATA_DIR   ?= $(CURDIR)/data

.PHONY: all deps test-deps build run test clean bench bench-peers bench-curve bench-core classify-score

# What the tests use besides the build: exiftool reads metadata, djpeg/pngtopnm decode pixels,
# qpdf checks rewritten PDFs and makes a password-protected one.
TEST_PACKAGES = libimage-exiftool-perl libjpeg-turbo-progs netpbm qpdf python3-venv unzip

all: build

## deps: install missing Debian packages (libsodium-dev, libsqlite3-dev, libqpdf-dev, openssl, pkg-config)
deps:
	@scripts/install-deps.sh

## build: compile the server and the CLI
build: deps
	$(SWIFT) build -c $(CONFIG) --product postbox-server
	$(SWIFT) build -c $(CONFIG) --product postbox

## run: install, build, create ./data on first use, serve on https://localhost:8443
run: build
	@scripts/run-dev.sh "$$($(SWIFT) build -c $(CONFIG) --show-bin-path)/postbox-server" "$(DATA_DIR)"

## test-deps: the packages of deps plus what the tests check images with, and the TLS auditor
## and the contract fuzzer (sslyze and schemathesis from PyPI) in a venv under .build
TOOLS_VENV = .build/tools-venv
test-deps:
	@scripts/install-deps.sh $(TEST_PACKAGES)
	@[ -x $(TOOLS_VENV)/bin/sslyze ] && [ -x $(TOOLS_VENV)/bin/schemathesis ] || { python3 -m venv $(TOOLS_VENV) && \
	  $(TOOLS_VENV)/bin/pip install -q --disable-pip-version-check 'sslyze>=6.1,<7' 'schemathesis>=4.3,<5'; }

## test: install, build and run every test. At most TEST_WIDTH tests run at once: the suite
## starts dozens of TLS servers and server processes, and all of them at once on two cores made
## connections time out (Swift Testing's SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH).
TEST_WIDTH ?= 8
test: test-deps
	$(SWIFT) build --build-tests
	SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=$(TEST_WIDTH) $(SWIFT) test --skip-build

## bench: release build; W1/W2 over TLS with wrk against Postbox and the stack ceiling, W3/C1/K1
## in-process; prints the table and writes docs/benchmarks.md (takes about 3 minutes)
bench: deps
	@scripts/install-deps.sh wrk sqlite3 curl python3 util-linux
	$(SWIFT) build -c release --product postbox-server
	$(SWIFT) build -c release --product postbox-ceiling
	$(SWIFT) build -c release --product postbox-bench
	bench/run.sh "$$($(SWIFT) build -c release --show-bin-path)"

## bench-peers: Matrix Synapse from PyPI (venv under /opt/peers) and Postbox, W1/W2 in one sitting, ratios
bench-peers: deps
	@scripts/install-deps.sh wrk sqlite3 curl python3 python3-venv util-linux
	$(SWIFT) build -c release --product postbox-server
	$(SWIFT) build -c release --product postbox-ceiling
	$(SWIFT) build -c release --product postbox-bench
	bench/peers.sh "$$($(SWIFT) build -c release --show-bin-path)"

## bench-curve: release build; W1/W2/W4 against a 10k- and a 1M-message store side by side,
## alternating, medians of 3 rounds (the cost as data grows; about 15 minutes)
bench-curve: deps
	@scripts/install-deps.sh wrk sqlite3 curl python3 util-linux
	$(SWIFT) build -c release --product postbox-server
	$(SWIFT) build -c release --product postbox-bench
	bench/curve.sh "$$($(SWIFT) build -c release --show-bin-path)"

## bench-core: release build; classifier (C1) and crypto (K1) benchmarks on one core
CORPUS ?= ../shared/corpus/special-category.dev.jsonl
bench-core: deps
	$(SWIFT) build -c release --product postbox-bench
	taskset -c 1 "$$($(SWIFT) build -c release --show-bin-path)/postbox-bench" \
	  --corpus $(CORPUS) \
	  --corpus Tests/PostboxTests/Resources/classifier-synthetic-1.jsonl \
	  --corpus Tests/PostboxTests/Resources/classifier-synthetic-2.jsonl \
	  --corpus Tests/PostboxTests/Resources/classifier-synthetic-3.jsonl

## classify-score: classify the dev corpus and score it with the corpus's score.py
classify-score: build
	"$$($(SWIFT) build -c $(CONFIG) --show-bin-path)/postbox-server" classify < $(CORPUS) > .build/predictions.jsonl
	python3 $(dir $(CORPUS))score.py $(CORPUS) .build/predictions.jsonl

clean:
	rm -rf .build
