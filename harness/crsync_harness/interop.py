"""Running one interop cell: a transfer between crsync and an upstream rsync
over a remote-shell pipe, next to the same transfer between upstream and
itself, so that trees, printed output and exit codes can be compared.

The remote shell is `lsh.sh` (made per run): it drops the host argument and
runs the command locally, as upstream's own test suite does. The transfer
protocol is identical to ssh's; only the transport differs.
"""
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from . import paths, tree

LSH = "#!/bin/sh\n# Remote shell stand-in: ignore the host, run the command here.\nshift\nexec \"$@\"\n"


@dataclass
class Cell:
    peer: str          # "3.5.0" or "3.2.7"
    protocol: int      # forced on the upstream side
    direction: str     # "push" or "pull" (from the client's point of view)
    crsync_role: str   # "client" or "server"
    scenario: str      # key into SCENARIOS

    @property
    def id(self):
        return f"{self.scenario}-{self.direction}-crsync_{self.crsync_role}-{self.peer}-p{self.protocol}"


@dataclass
class Outcome:
    rc: int
    stdout: str
    stderr: str
    tree: dict = field(default_factory=dict)


# scenario name -> (client options, destination start, minimum protocol
# [, the exit code upstream itself gives, when not 0])
SCENARIOS = {
    "fresh-a": (["-a"], "empty", 28),
    "update-a-delta": (["-a", "--no-whole-file"], "basis", 28),
    "update-ai-delta": (["-ai", "--no-whole-file"], "basis", 28),
    "update-ac": (["-aci"], "basis", 28),
    "update-ain": (["-ain"], "basis", 28),
    "update-aW": (["-aiW"], "basis", 28),
    "cc-md5": (["-ai", "--no-whole-file", "--checksum-choice=md5"], "basis", 30),
    "cc-md4": (["-ai", "--no-whole-file", "--checksum-choice=md4"], "basis", 30),
    "cc-xxh64": (["-ai", "--no-whole-file", "--checksum-choice=xxh64"], "basis", 30),
    "stats": (["-a", "--stats", "--no-whole-file"], "basis", 28),
    "verbose": (["-av", "--no-whole-file"], "basis", 28),
    "delete": (["-ai", "--delete"], "basis", 28),
    "delete-after-stats": (["-a", "--delete-after", "--stats"], "basis", 28),
    "delete-before-v": (["-av", "--delete-before"], "basis", 28),
    "filters": (["-ai", "--exclude=*.dat", "--exclude=deep/", "--include=d0*/", "--exclude=/link-*"], "basis", 28),
    "max-delete": (["-ai", "--delete", "--max-delete=1"], "basis", 28, 25),
    "delete-excluded": (["-ai", "--delete-excluded", "--exclude=*.dat", "--exclude=stale.txt"], "basis", 29),
    "filters-delete": (["-ai", "--delete", "--exclude=stale.txt", "--exclude=*.bin", "--filter=- many/d0[1-3]/"], "basis", 28),
    # -z: zlib below 30, the negotiated zstd from 30; each codec forced.
    "compress": (["-aiz", "--no-whole-file"], "basis", 28),
    "compress-zlib": (["-ai", "--no-whole-file", "--compress-choice=zlib"], "basis", 30),
    "compress-zlibx": (["-ai", "--no-whole-file", "--compress-choice=zlibx"], "basis", 30),
    "compress-zstd": (["-ai", "--no-whole-file", "--compress-choice=zstd"], "basis", 30),
    "compress-lz4": (["-ai", "--no-whole-file", "--compress-choice=lz4"], "basis", 30),
    "compress-fresh-stats": (["-az", "--stats"], "empty", 28),
}

_TIMING = re.compile(r"^(File list (generation|transfer) time|File list size|Total bytes (sent|received)|sent .* bytes/sec|total size is .*speedup is).*$", re.M)


def normalise_output(text):
    """Masks what legitimately varies between runs: timing and byte counts."""
    text = _TIMING.sub("<masked>", text)
    return text


def _run(argv, cwd, timeout=120):
    p = subprocess.run([str(a) for a in argv], cwd=cwd, capture_output=True, text=True,
                       timeout=timeout, env={**os.environ, "LC_ALL": "C"})
    return p.returncode, p.stdout, p.stderr


def run_cell(cell, fixtures, work, crsync, peers):
    """Runs the cell and its upstream reference. Returns (ours, reference)."""
    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    lsh = work / "lsh.sh"
    lsh.write_text(LSH)
    lsh.chmod(0o755)
    opts, dest_start = SCENARIOS[cell.scenario][:2]
    upstream = str(peers[cell.peer])
    results = []
    for which in ("ours", "reference"):
        dst = work / f"dst-{which}"
        if dst.exists():
            shutil.rmtree(dst)
        dst.mkdir()
        if dest_start == "basis":
            subprocess.run(["cp", "-a", f"{fixtures}/basis/.", str(dst)], check=True)
        src = f"{fixtures}/src/"
        proto = [f"--protocol={cell.protocol}"]
        if which == "reference":
            client, server = upstream, upstream
        elif cell.crsync_role == "client":
            client, server = crsync, upstream
        else:
            client, server = upstream, crsync
        # The protocol is forced on the upstream side of each pair.
        argv = [client, *opts, *proto, "-e", lsh, f"--rsync-path={server}"]
        if cell.direction == "push":
            argv += [src, f"localhost:{dst}/"]
        else:
            argv += [f"localhost:{src}", f"{dst}/"]
        rc, out, err = _run(argv, work)
        results.append(Outcome(rc, out, err, tree.snapshot(dst)))
    return results[0], results[1]


def load_ledger():
    """Known divergences: {"entries": [{"match": regex on cell id, "field":
    "stdout"|"tree"|"rc", "reason": ...}]}."""
    path = paths.REPO / "interop" / "ledger.json"
    return json.loads(path.read_text())["entries"]


def ledger_reason(cell_id, field_name, ledger):
    for e in ledger:
        if e["field"] == field_name and re.search(e["match"], cell_id):
            return e["reason"]
    return None
