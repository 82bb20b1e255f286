#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and runs the main
# job — `darkscope demo`: the Code-Red day of 19 July 2001 simulated as CAIDA's
# telescopes saw it (docs/SCENARIOS.md), analysed, with the headline figures printed
# beside the published ones. Needs about 6 GB of disk for the compressed captures.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
out=${1:-darkscope-out}
./build/darkscope demo -o "$out"
echo "darkscope: results in $(cd "$out" && pwd)/ (report.html, summary.json, worm.json, ...)"
