#!/usr/bin/env bash
# MD speed of pair_style mosaic against references measured in the same run, on 8192 atoms
# (16x16x16 bcc), one MPI rank: eam/alloy (W_zhou.eam.alloy from lammps-data, on W) and lj/cut.
# Then the speed-up of mosaic on 2 ranks. Prints ratios; asserts nothing. Target: mosaic within 4x of EAM.
set -euo pipefail
cd "$(dirname "$0")/.."
LMP=$PWD/build/lammps/lmp_mosaic
STEPS=${STEPS:-200}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() {  # style-lines lattice-constant mass ranks -> steps/s
  cat > "$work/in.bench" <<EOS
units metal
atom_style atomic
lattice bcc $2
region box block 0 16 0 16 0 16
create_box 1 box
create_atoms 1 box
mass 1 $3
$1
velocity all create 600 87287 mom yes rot yes
fix 1 all nve
thermo 100
run 20
run $STEPS
EOS
  local launcher="$LMP"
  [ "$4" -gt 1 ] && launcher="mpirun --allow-run-as-root -np $4 $LMP"
  (cd "$work" && $launcher -in in.bench -log none) | awk '/^Loop time/ {t=$4} END {print t}' | tail -1
}
eam=$(run "pair_style eam/alloy
pair_coeff * * /usr/share/lammps/potentials/W_zhou.eam.alloy W" 3.165 183.84 1)
lj=$(run "pair_style lj/cut 5.5
pair_coeff 1 1 0.2 2.6" 3.3226 92.906 1)
mosaic1=$(run "pair_style mosaic
pair_coeff * * $PWD/potentials/Nb.json Nb" 3.3226 92.906 1)
mosaic2=$(run "pair_style mosaic
pair_coeff * * $PWD/potentials/Nb.json Nb" 3.3226 92.906 2)
awk -v s=$STEPS -v e=$eam -v l=$lj -v m=$mosaic1 -v m2=$mosaic2 'BEGIN {
  printf "8192 atoms, %d MD steps, 1 rank (loop time of the second run)\n", s
  printf "  lj/cut 5.5        %8.2f steps/s\n", s/l
  printf "  eam/alloy (W)     %8.2f steps/s\n", s/e
  printf "  mosaic (Nb.json)  %8.2f steps/s   cost ratio mosaic/eam = %.2f (target <= 4), mosaic/lj = %.2f\n", s/m, m/e, m/l
  printf "  mosaic, 2 ranks   %8.2f steps/s   MPI speed-up %.2f\n", s/m2, m/m2
}'
