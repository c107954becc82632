#!/usr/bin/env bash
# Active learning in two steps: MD with the extrapolation grade watching (in.md), then mosaic select
# picks the dumped frames a DFT calculation should label next. Writes md.dump and candidates.extxyz in
# the current directory (or $OUT). Extra arguments go to LAMMPS, e.g. ./run.sh -var halt 2 -var steps 200.
# Environment: LMP (default lmp_mosaic), MOSAIC (default mosaic), COUNT (picks, default 3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
potential=$(cd "$here/../.." && pwd)/potentials/Nb.json
mkdir -p "${OUT:-.}" && cd "${OUT:-.}"
${LMP:-lmp_mosaic} -in "$here/in.md" -log none -var potential "$potential" "$@"
${MOSAIC:-mosaic} select --model "$potential" --from md.dump --count "${COUNT:-3}" --output candidates.extxyz
