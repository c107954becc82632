# Mosaic — the two commands a user needs:
#   make demo   installs what is missing, fits a niobium potential on the shipped DFT data,
#               reports its errors and runs a short LAMMPS MD with it
#   make test   runs the whole test suite
SHELL := /bin/bash
DEBIAN_PACKAGES := libopenblas-dev liblammps-dev lammps libopenmpi-dev openmpi-bin cmake lammps-data
SWIFT ?= swift
MOSAIC := .build/release/mosaic

.PHONY: demo test deps build clean

deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "swift not found: install Swift 6 (https://swift.org/install) and retry"; exit 1; }

build: deps
	$(SWIFT) build -c release --product mosaic

demo: build
	$(MOSAIC) evaluate --model examples/models/nb-composite.yaml

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

clean:
	rm -rf .build build
