# Postbox — the two commands: `make run` and `make test`.
SWIFT      ?= swift
CONFIG     ?= debug
DATA_DIR   ?= $(CURDIR)/data

.PHONY: all deps build run test clean format-check

all: build

## deps: install missing Debian packages (libsodium-dev, libsqlite3-dev, openssl, pkg-config)
deps:
	@scripts/install-deps.sh

## build: compile the server and the CLI
build: deps
	$(SWIFT) build -c $(CONFIG) --product postbox-server
	$(SWIFT) build -c $(CONFIG) --product postbox

## run: install, build, create ./data on first use, serve on https://localhost:8443
run: build
	@scripts/run-dev.sh "$$($(SWIFT) build -c $(CONFIG) --show-bin-path)/postbox-server" "$(DATA_DIR)"

## test: install, build and run every test
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

clean:
	rm -rf .build
