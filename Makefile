# Mosaic — the two commands a user needs:
#   make demo   installs what is missing, fits a niobium potential on the shipped DFT data,
#               reports its errors and runs a short LAMMPS MD with it
#   make test   runs the whole test suite
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)
DEBIAN_PACKAGES := libopenblas-dev liblammps-dev lammps libopenmpi-dev openmpi-bin cmake lammps-data python3-lammps python3-ase xz-utils
PREFIX ?= /usr/local
MOSAIC := .build/release/mosaic
LMP_MOSAIC := build/lammps/lmp_mosaic

.PHONY: demo test deps build lammps install clean benchmark

deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	@command -v swift >/dev/null || { echo "swift not found: install Swift 6 (https://swift.org/install) and retry"; exit 1; }

# Swift tool and C-ABI library (release).
build: deps
	swift build -c release

# pair_style mosaic: libmosaic_lammps.so and the lmp_mosaic launcher (drives swift build itself).
lammps: build
	cmake -S lammps-plugin -B build/lammps -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	cmake --build build/lammps -j2

# Puts lmp_mosaic on PATH ($(PREFIX)/bin) and the libraries in $(PREFIX)/lib/mosaic.
install: lammps
	cmake --install build/lammps >/dev/null
	@echo "installed $(PREFIX)/bin/lmp_mosaic"

demo: install
	@echo "== 1. fit: examples/models/nb.yaml on data/nb (held out: the 1000 K AIMD block)"
	$(MOSAIC) fit --model examples/models/nb.yaml --hold-out Nb_AIMD/Md/1000K --output potentials/Nb.json
	@echo "== 2. errors of the fitted potential on all shipped data"
	$(MOSAIC) evaluate --model potentials/Nb.json
	@echo "== 3. LAMMPS: NVE MD of 1024 Nb atoms at 300 K for 1 ps with pair_style mosaic"
	lmp_mosaic -in examples/lammps/in.nve -var T 300 -var steps 1000 -log none

test: lammps
	swift build -c release --build-tests
	swift test -c release --skip-build --disable-swift-testing

benchmark: lammps
	benchmarks/core.sh
	benchmarks/lammps.sh

clean:
	rm -rf .build build
