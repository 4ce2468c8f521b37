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


def transfer_argv(direction, role, proto, which, crsync, upstream, opts, src, dst, lsh):
    """The command a cell runs: the upstream reference (upstream at both
    ends), or crsync as the client (and for a local copy) or as the server
    (--rsync-path) against upstream. `src` is passed as given (with or
    without its trailing slash); the destination gets one; remote cells go
    through the remote-shell stand-in `lsh` with the protocol forced."""
    if which == "reference":
        client, server = upstream, upstream
    elif role == "client" or direction == "local":
        client, server = crsync, upstream
    else:
        client, server = upstream, crsync
    if direction == "local":
        return [client, *opts, src, f"{dst}/"]
    argv = [client, *opts, f"--protocol={proto}", "-e", lsh, f"--rsync-path={server}"]
    return argv + ([src, f"localhost:{dst}/"] if direction == "push" else [f"localhost:{src}", f"{dst}/"])


def param(c, known):
    """A pytest parameter for cell `c`, a strict xfail when `known` (cell id
    -> reason, the suite's divergence ledger) lists it."""
    import pytest
    reason = known.get(cell_id(c))
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return pytest.param(c, id=cell_id(c), marks=marks)


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
