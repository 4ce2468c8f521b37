"""The local copy's whole-file shortcut (impl/session/local_bridge.h): in a
local copy, a file of 256 KiB or more sent whole is copied by the receiver
from the sender's open descriptor (copy_file_range) instead of through the
in-memory pipe. Each cell runs the same local copy with crsync and with
upstream 3.5.0 on the same corpus (sizes on both sides of the threshold) and
compares the exit code, the output (timing and byte totals masked, as in
test_local_copies) and the resulting trees, so every option that touches how
a received file is written is held to upstream with the shortcut in place.
That the shortcut is taken (and not taken with -z, a delta or small files)
is checked in impl/session/local_session_test.cc; the cells that must not
take it here (%C in an item line, --progress) are compared all the same."""
import os
import random
import shutil
import subprocess
import time

import pytest

from crsync_harness import interop, tree

pytestmark = pytest.mark.interop

KIB = 1024
MIB = 1024 * KIB
SIZES = {"empty": 0, "one": 1, "under": 256 * KIB - 1, "edge": 256 * KIB, "over": 256 * KIB + 1,
         "mid": 3 * MIB + 7, "big": 9 * MIB}


def make_corpus(root):
    rng = random.Random(7)
    (root / "sub").mkdir(parents=True)
    for name, size in SIZES.items():
        (root / ("sub" if name == "mid" else ".") / f"{name}.bin").write_bytes(rng.randbytes(size))
    # Mostly zeros, for -S.
    with open(root / "holey.bin", "wb") as f:
        f.write(b"x" * 5000 + b"\0" * (2 * MIB) + b"y" * 300 + b"\0" * (600 * KIB))
    os.link(root / "big.bin", root / "sub" / "big-link.bin")
    for i, p in enumerate(sorted(root.rglob("*.bin"))):
        os.utime(p, (1_600_000_000 + i, 1_600_000_000 + i))
    for d in (root / "sub", root):
        os.utime(d, (1_600_001_000, 1_600_001_000))


def stale_copy(src, dst):
    """A destination holding older, different versions of the files (a
    longer one for the big file, so in-place writes must truncate)."""
    shutil.copytree(src, dst, symlinks=True)
    rng = random.Random(11)
    for p in sorted(dst.rglob("*.bin")):
        if p.name == "big-link.bin":
            continue
        size = p.stat().st_size
        p.unlink()
        p.write_bytes(rng.randbytes(size + (MIB if p.name == "big.bin" else 0)))
        os.utime(p, (1_500_000_000, 1_500_000_000))


# name: (options, destination start, check the source tree afterwards)
CELLS = {
    "plain": (["-a"], None, False),
    "itemize-stats": (["-ai", "--stats"], None, False),
    "hardlinks": (["-aHv"], None, False),
    "sparse": (["-aS"], None, False),
    "whole-update": (["-ai", "-W"], "stale", False),
    "inplace": (["-ai", "-W", "--inplace"], "stale", False),
    "backup": (["-a", "-W", "-b", "--suffix=.old"], "stale", False),
    "backup-dir": (["-a", "-W", "--backup-dir=../bak"], "stale", False),
    "delay-updates": (["-ai", "-W", "--delay-updates"], "stale", False),
    "temp-dir": (["-a", "--temp-dir=TMPDIR"], None, False),
    "partial-dir": (["-a", "-W", "--partial-dir=.part"], "stale", False),
    "remove-source-files": (["-a", "--remove-source-files"], None, True),
    "checksum-rerun": (["-aci"], "same", False),
    "out-format-checksum": (["-a", "--out-format=%n %C"], None, False),
    "out-format-bytes": (["-a", "--out-format=%n %l %b"], None, False),
    "chmod": (["-a", "--chmod=F600"], None, False),
}


def run_one(binary, opts, start, tmp, which):
    src = tmp / f"src-{which}"
    make_corpus(src)
    dst = tmp / f"dst-{which}"
    if start == "stale":
        stale_copy(src, dst)
    elif start == "same":
        dst.mkdir()
        subprocess.run(["cp", "-a", f"{src}/.", str(dst)], check=True)
    for aux in ("bak", "tmpdir"):
        (tmp / f"{which}-{aux}").mkdir()
    # The backup dir is named relative to the destination ("../bak").
    opts = [o.replace("../bak", f"../{which}-bak").replace("TMPDIR", str(tmp / f"{which}-tmpdir"))
            for o in opts]
    started_ns = time.time_ns()
    rc, out, err = interop._run([binary, *opts, f"{src}/", f"{dst}/"], tmp)
    out = interop.normalise_output(out).replace(str(src), "SRC").replace(str(dst), "DST")
    snaps = [tree.snapshot(p) for p in (dst, src, tmp / f"{which}-bak")]
    # A directory changed by the copy itself (backups made in it, sources
    # removed from it) has the time of the run, which is not compared.
    for snap in snaps:
        for entry in snap.values():
            if entry["mtime_ns"] >= started_ns:
                entry["mtime_ns"] = "during the transfer"
    return (rc, out, err, *snaps)


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_local_whole_files_match_upstream(cell, crsync, peers, tmp_path):
    opts, start, check_src = CELLS[cell]
    rc, out, err, dst, src, bak = run_one(crsync, opts, start, tmp_path, "ours")
    rrc, rout, rerr, rdst, rsrc, rbak = run_one(peers["3.5.0"], opts, start, tmp_path, "reference")
    assert rrc == 0, f"the upstream reference itself failed: {rerr}"
    assert rc == rrc, f"exit {rc} vs {rrc}: {err[-600:]}"
    assert not tree.differences(dst, rdst), tree.differences(dst, rdst)
    assert not tree.differences(bak, rbak), tree.differences(bak, rbak)
    if check_src:
        assert not tree.differences(src, rsrc), tree.differences(src, rsrc)
    assert out == rout, f"\nours:\n{out}\nupstream:\n{rout}"
    # Every regular file's bytes, directly (the snapshots compare digests).
    for name in SIZES:
        rel = f"sub/{name}.bin" if name == "mid" else f"{name}.bin"
        got = tmp_path / "dst-ours" / rel
        want = tmp_path / "dst-reference" / rel
        assert got.read_bytes() == want.read_bytes(), rel
    if cell == "sparse":
        got = os.stat(tmp_path / "dst-ours" / "holey.bin").st_blocks * 512
        want = os.stat(tmp_path / "dst-reference" / "holey.bin").st_blocks * 512
        assert want < 512 * KIB, "upstream made no holes here: the cell proves nothing"
        assert got <= want + 8192


def test_write_failure_is_reported_as_upstream(crsync, peers, tmp_path):
    """A destination that runs out of space mid-file (a 1 MiB tmpfs): the
    copy_file_range failure is a write failure, named as upstream names it,
    the copy exits with the receiver's code 11 as upstream's does, and no
    partial file is left in place. (The rest of the error text differs:
    docs/daemon.md lists it.)"""
    results = {}
    for which, binary in (("ours", crsync), ("reference", peers["3.5.0"])):
        src = tmp_path / f"src-{which}"
        src.mkdir()
        (src / "big.bin").write_bytes(random.Random(3).randbytes(3 * MIB))
        mnt = tmp_path / f"mnt-{which}"
        mnt.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], check=True)
        try:
            rc, out, err = interop._run([binary, "-a", f"{src}/", f"{mnt}/"], tmp_path)
            left = sorted(os.listdir(mnt))
        finally:
            subprocess.run(["umount", str(mnt)], check=True)
        results[which] = (rc, err, left)
    assert results["reference"][0] == 11, results["reference"]
    assert results["ours"][0] == results["reference"][0], results
    assert results["ours"][2] == results["reference"][2] == [], results
    assert "rsync: [receiver] write failed on " in results["ours"][1], results["ours"][1]
    assert "No space left on device (28)" in results["ours"][1], results["ours"][1]
