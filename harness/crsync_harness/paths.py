"""Where the harness finds crsync, the upstream peers and the captures.

Environment overrides:
  CRSYNC_BIN        the crsync binary (default: the first built one under build/)
  CRSYNC_PEERS_DIR  where ci/install-deps.sh extracted older upstream peers
"""
import os
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CAPTURES = REPO / "captures"
GOLDEN = CAPTURES / "golden-3.4.1"
PEERS_DIR = Path(os.environ.get("CRSYNC_PEERS_DIR", "/opt/crsync-peers"))

# Build folders in the order they are preferred (see CMakePresets.json).
_BUILDS = ["ci", "default", "asan", "coverage"]


def crsync_bin() -> Path:
    env = os.environ.get("CRSYNC_BIN")
    if env:
        return Path(env)
    for b in _BUILDS:
        p = REPO / "build" / b / "impl" / "crsync"
        if p.exists():
            return p
    raise FileNotFoundError("no crsync binary: build first (cmake --preset ci && cmake --build --preset ci)")


def upstream_peers() -> dict:
    """Upstream rsync binaries by version label: Debian's installed 3.5.0 and
    the extracted 3.2.7."""
    peers = {}
    sys_rsync = shutil.which("rsync")
    if sys_rsync:
        peers["3.5.0"] = Path(sys_rsync)
    old = PEERS_DIR / "rsync-3.2.7" / "usr" / "bin" / "rsync"
    if old.exists():
        peers["3.2.7"] = old
    return peers
