"""Local copies (`crsync OPTS SRC DST`, both ends in one process) against
upstream's own local copy (`rsync OPTS SRC DST`, Debian 3.5.0) for every
interop scenario: the destination tree, the output (timing masked,
deletion lines compared as a set) and the exit code must be the same. The
ledger (interop/ledger.json) applies with cell ids "SCENARIO-local"."""
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from crsync_harness import interop, paths, tree

pytestmark = pytest.mark.interop


@pytest.fixture(scope="module")
def fixtures():
    base = Path(tempfile.mkdtemp(prefix="crsync-local-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None))
    subprocess.run(["/usr/bin/python3", str(paths.GOLDEN / "fixtures" / "make_fixtures.py"), str(base)],
                   check=True, capture_output=True)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def run_local(binary, scenario, fixtures, work, which):
    opts, dest_start = interop.SCENARIOS[scenario][:2]
    if scenario in interop.FILES_FROM:
        listing = work / "files-from.list"
        listing.write_bytes(interop.FILES_FROM[scenario])
        opts = [o.replace("{list}", str(listing)) for o in opts]
    sources = interop.SOURCES.get(scenario)
    dst = work / f"dst-{which}"
    if dst.exists():
        shutil.rmtree(dst)
    dst.mkdir()
    if dest_start == "basis":
        subprocess.run(["cp", "-a", f"{fixtures}/basis/.", str(dst)], check=True)
    srcs = sources or [f"{fixtures}/src/"]
    started_ns = time.time_ns()
    p = subprocess.run([str(binary), *opts, *srcs, f"{dst}/"], cwd=fixtures, capture_output=True,
                       text=True, timeout=120, env={**os.environ, "LC_ALL": "C"})
    snap = tree.snapshot(dst)
    if scenario in interop.CREATED_NOW:
        for entry in snap.values():
            if entry["mtime_ns"] >= started_ns:
                entry["mtime_ns"] = "during the transfer"
    out = interop.normalise_output(p.stdout).replace(str(dst), "DST")
    lines = out.splitlines()
    dels = sorted(x for x in lines if "deleting" in x)
    return p.returncode, "\n".join(x for x in lines if "deleting" not in x) + "\n--\n" + "\n".join(dels), p.stderr, snap


@pytest.mark.parametrize("scenario", sorted(interop.SCENARIOS))
def test_local_copy_matches_upstream(scenario, fixtures, crsync, peers, tmp_path):
    ledger = interop.load_ledger()
    cell = f"{scenario}-local"
    rc, out, err, t = run_local(crsync, scenario, fixtures, tmp_path, "ours")
    rrc, rout, rerr, rt = run_local(peers["3.5.0"], scenario, fixtures, tmp_path, "reference")
    expected = interop.SCENARIOS[scenario][3] if len(interop.SCENARIOS[scenario]) > 3 else 0
    assert rrc == expected, f"the upstream reference itself failed: {rerr}"
    results = {"rc": rc == rrc, "tree": not tree.differences(t, rt), "stdout": out == rout}
    details = {"rc": f"{rc} vs {rrc}: {err[-400:]}", "tree": tree.differences(t, rt),
               "stdout": f"\nours:\n{out}\nupstream:\n{rout}"[:3000]}
    for field, ok in results.items():
        reason = interop.ledger_reason(cell, field, ledger)
        if reason:
            assert not ok, f"{cell}: {field} now matches upstream; remove its ledger entry"
        else:
            assert ok, f"{cell}: {field} differs from upstream: {details[field]}"
