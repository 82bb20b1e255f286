#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and runs the main
# job on the data shipped in the repository, then says where the results are.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
out=${1:-darkscope-out}
./build/darkscope analyze --quiet -o "$out" \
  --telescope east=198.18.0.0/16 --telescope west=198.19.0.0/16 \
  data/sample-telescope.pcap.gz
echo "darkscope: results in $(cd "$out" && pwd)/ (summary.json, series.csv, signatures.csv)"
