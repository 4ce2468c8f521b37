"""The cell matrix the option suites share: each scenario as a local copy,
then push and pull with crsync as client and as server at each protocol
(forced on the upstream side); and the golden fixture trees they run on."""
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .paths import GOLDEN


def matrix(protocols_by_name):
    """(name, direction, role, proto) cells for (name, protocols) pairs."""
    out = []
    for name, protos in protocols_by_name:
        out.append((name, "local", "-", 0))
        for proto in protos:
            for direction in ("push", "pull"):
                for role in ("client", "server"):
                    out.append((name, direction, role, proto))
    return out


def cell_id(c):
    name, direction, role, proto = c
    if direction == "local":
        return f"{name}-local"
    return f"{name}-{direction}-crsync_{role}-p{proto}"


@contextmanager
def fixture_trees(prefix):
    """The goldens' fixture trees (src, basis, ...) in a fresh directory."""
    base = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        subprocess.run(["/usr/bin/python3", str(GOLDEN / "fixtures" / "make_fixtures.py"), str(base)],
                       check=True, capture_output=True)
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)
