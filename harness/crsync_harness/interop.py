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
import time
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
    "hardlinks": (["-aiH"], "empty", 28),
    "hardlinks-v-stats": (["-avH", "--stats"], "empty", 28),
    "inplace": (["-ai", "--inplace", "--no-whole-file"], "basis", 28),
    "inplace-stats": (["-a", "--inplace", "--no-whole-file", "--stats"], "basis", 28),
    "partial": (["-ai", "--partial", "--no-whole-file"], "basis", 28),
    # -R: names keep their path (implied dirs first); "/./" marks where the
    # sent path starts, and a leading "./" after it sends the root "." too.
    "relative": (["-aiR"], "empty", 28),
    # Below 30 upstream's own receiver refuses the list without implied
    # dirs ("ABORTING due to invalid path from sender").
    "relative-no-implied": (["-aiR", "--no-implied-dirs"], "empty", 30),
    # --files-from: implies -R and -d, drops -a's -r. A pulling client sends
    # the list to the server sender.
    "files-from": (["-ai", "--files-from={list}"], "empty", 28),
    "files-from-0": (["-ai", "-0", "--files-from={list}"], "empty", 28),
    "files-from-r": (["-ai", "-r", "--files-from={list}"], "empty", 28),
    "files-from-v": (["-av", "--files-from={list}"], "empty", 28),
    # -R names whose implied dirs repeat (the sender remembers only the last
    # implied path) and a name given twice: the receiver drops duplicates.
    "relative-dups": (["-aiR"], "empty", 28),
    # --chmod is the client's: applied to what it sends, or, pulling, to
    # the entries it receives (the server never sees it).
    "chmod": (["-ai", "--chmod=Dg+s,ug+w,Fo-rwx,a+X,u=rwX"], "basis", 28),
    # The limit travels to the server as KiB/s; high enough not to slow
    # the suite (the throttle itself: impl/transport/bwlimit_test.cc).
    "bwlimit": (["-ai", "--bwlimit=20M", "--no-whole-file"], "basis", 28),
}

# Scenarios whose sources are not "{fixtures}/src/": the arguments, relative
# to the fixtures directory, where such a transfer runs (so that -R names
# do not carry the temporary directory's path).
SOURCES = {
    "relative": ["src/deep/a", "src/small.txt", "src/./many/d01", "src/././empty-dir",
                 "src/./text/"],
}
SOURCES["relative-no-implied"] = SOURCES["relative"]
SOURCES["hardlinks"] = ["specials/"]        # a hard-linked pair and a fifo
SOURCES["hardlinks-v-stats"] = ["specials/"]
SOURCES["relative-dups"] = ["src/deep/a/b", "src/many/d01", "src/deep/a/b/c/d", "src/small.txt",
                            "src/small.txt"]

# Scenarios in which the receiver creates directories it was not sent
# (--no-implied-dirs): they get the time of the transfer, so an mtime after
# the transfer started is compared only as "during the transfer".
CREATED_NOW = {"relative-no-implied"}

# The --files-from list each scenario writes ("{list}" in its options).
# No comment lines: a local reader skips them but a pulling client sends
# them on, and the sender then fails to find them, in upstream as here.
FILES_FROM = {
    "files-from": b"small.txt\ndeep/a/b\n\nmany/d01/\ntext/./lines.txt\n/exec.sh\r\nlink-rel\n"
                  b"dir with space\nempty-dir",
    "files-from-0": b"small.txt\0deep/a\0\0many/d02/\0dir with space/\0text/./\0bin/../exec.sh\0",
    "files-from-r": b"deep/a/b\nmany/d03\nsmall.txt\n",
}
FILES_FROM["files-from-v"] = FILES_FROM["files-from"]

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
    if cell.scenario in FILES_FROM:
        listing = work / "files-from.list"
        listing.write_bytes(FILES_FROM[cell.scenario])
        opts = [o.replace("{list}", str(listing)) for o in opts]
    sources = SOURCES.get(cell.scenario)
    upstream = str(peers[cell.peer])
    results = []
    for which in ("ours", "reference"):
        dst = work / f"dst-{which}"
        if dst.exists():
            shutil.rmtree(dst)
        dst.mkdir()
        if dest_start == "basis":
            subprocess.run(["cp", "-a", f"{fixtures}/basis/.", str(dst)], check=True)
        srcs = sources or [f"{fixtures}/src/"]
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
            argv += [*srcs, f"localhost:{dst}/"]
        else:
            argv += [f"localhost:{s}" for s in srcs] + [f"{dst}/"]
        started_ns = time.time_ns()
        # The remote shell runs the server in the same directory.
        rc, out, err = _run(argv, fixtures if sources else work)
        snap = tree.snapshot(dst)
        if cell.scenario in CREATED_NOW:
            for entry in snap.values():
                if entry["mtime_ns"] >= started_ns:
                    entry["mtime_ns"] = "during the transfer"
        results.append(Outcome(rc, out, err, snap))
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
