#!/usr/bin/env bash
# Cost of compute mosaic/grade and mosaic/sigma in MD, against the same MD without them, measured in the
# same run: 8192 atoms (16x16x16 bcc Nb, potentials/Nb.json), one MPI rank. Three runs: no compute; the
# computes defined but never invoked (they must cost nothing); the max grade and the energy sigma printed
# every 10 steps (target: at most 2x slower). Prints ratios; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
LMP=$PWD/build/lammps/lmp_mosaic
STEPS=${STEPS:-200}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() {  # extra-lines thermo-line -> loop time of the measured run (s)
  cat > "$work/in.bench" <<EOS
units metal
atom_style atomic
lattice bcc 3.3226
region box block 0 16 0 16 0 16
create_box 1 box
create_atoms 1 box
pair_style mosaic
pair_coeff * * $PWD/potentials/Nb.json Nb
velocity all create 600 87287 mom yes rot yes
fix 1 all nve
$1
$2
run 20
run $STEPS
EOS
  (cd "$work" && $LMP -in in.bench -log none) | awk '/^Loop time/ {t=$4} END {print t}'
}
run "" "thermo 100" >/dev/null  # warm-up (the first run of a session is slower)
plain=$(run "" "thermo 100")
idle=$(run "compute grade all mosaic/grade
compute sigma all mosaic/sigma" "thermo 100")
every10=$(run "compute grade all mosaic/grade
compute sigma all mosaic/sigma" "thermo_style custom step pe c_grade c_sigma
thermo 10")
awk -v s=$STEPS -v p=$plain -v i=$idle -v e=$every10 'BEGIN {
  printf "8192 atoms, %d MD steps, 1 rank (loop time of the second run)\n", s
  printf "  MD alone                              %8.2f steps/s\n", s/p
  printf "  computes defined, not invoked         %8.2f steps/s   ratio %.2f (target 1.00)\n", s/i, i/p
  printf "  max grade and sigma every 10 steps    %8.2f steps/s   ratio %.2f (target <= 2)\n", s/e, e/p
}'
