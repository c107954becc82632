# Sourced by the benchmark scripts that run `mosaic`: strict mode, the repository root as working directory, the
# release `mosaic` built, and a scratch directory $work removed on exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[1]}")/.."
export PATH=/opt/swift/usr/bin:$PATH
swift build -c release --product mosaic >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
