#!/usr/bin/env bash
# The README's first command: set up a fresh Debian machine and run crsync's
# main job on a built-in example. At this stage of the project that is
# building crsync and printing its version; it grows into a real sync of a
# generated sample tree once the transfer engine lands.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)"
echo
./build/default/impl/crsync --version
