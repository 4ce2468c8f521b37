"""Merge-file filter rules: -F/-FF (per-directory .rsync-filter files with
the parent-directory scan), dir-merge modifiers, single-instance merge
files, and --delete with per-directory rules read from the destination.

Each scenario runs as a local copy and over the remote-shell stand-in
(crsync as client and as server, push and pull, protocols 32, 29 and 28)
against upstream rsync 3.5.0, next to the same transfer between upstream
and itself: destination tree, itemized output and exit code must be the
same. Below 29 a per-directory merge rule cannot travel: upstream's client
fails with "filter rules are too modern" (exit 2), and so must crsync's.
"""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from crsync_harness import cells as cells_mod
from crsync_harness import interop, paths, tree

pytestmark = pytest.mark.interop

PEER = "3.5.0"
PROTOCOLS = [32, 29, 28]

# name -> (client options, source argument form: "contents" = "src/",
# "dir" = "src")
SCENARIOS = {
    "F": (["-ai", "-F"], "contents"),
    "FF": (["-ai", "-FF"], "contents"),
    "F-dir-arg": (["-ai", "-F"], "dir"),
    "F-delete": (["-ai", "-F", "--delete-after"], "contents"),
    "FF-delete-during": (["-ai", "-FF", "--delete"], "contents"),
    "dir-merge-mods": (["-ai", "--filter=:n- .excl", "--filter=dir-merge,e .rules"], "contents"),
    "merge-file": (["-ai", "--filter=merge {rules}", "--exclude=*.bin"], "contents"),
    "negate-and-clear": (["-ai", "--filter=- *.dat", "--filter=!", "--filter=-! */",
                          "--filter=+ *.txt", "--filter=- *"], "contents"),
}

T0 = 1700000000 * 10**9


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.utime(path, ns=(T0, T0))


def make_source(fixtures, where):
    """The fixtures' src/ under where/top/, with filter files sprinkled in
    (and one above it, for -F's parent scan). Directory times are restored."""
    top = where / "top"
    src = top / "src"
    if src.exists():
        return src
    top.mkdir()
    subprocess.run(["cp", "-a", f"{fixtures}/src", str(src)], check=True)
    write(top / ".rsync-filter", "- /src/small.txt\n- *.secret\n")
    write(src / ".rsync-filter", "- *.bin\n+ keep.dat\n- *.dat\n")
    write(src / "text" / ".rsync-filter", "# comment\n- /lines.txt\n")
    write(src / "deep" / ".rsync-filter", "!\n- b/\n")
    write(src / "deep" / "x.bin", "kept: the deep file clears the parents' rules\n")
    write(src / "many" / "keep.dat", "kept\n")
    write(src / "many" / "drop.dat", "dropped\n")
    write(src / "many" / "a.secret", "never\n")
    write(src / ".excl", "*.md\n")
    write(src / "note.md", "excluded by .excl\n")
    write(src / "text" / "note.md", "not excluded: .excl is not inherited\n")
    write(src / "text" / ".rules", "- *.csv\n")
    write(src / "text" / "t.csv", "excluded by text/.rules\n")
    for d in sorted([top, *[p for p in top.rglob("*") if p.is_dir()]], reverse=True):
        rel = d.relative_to(top)
        orig = fixtures / rel if rel.parts and (fixtures / rel).exists() else None
        t = os.stat(orig).st_mtime_ns if orig else T0
        os.utime(d, ns=(t, t))
    return src


def prepare_dest(dst):
    """Destination extras: files the source lacks, some protected by the
    destination's own filter files (read for --delete)."""
    write(dst / ".rsync-filter", "- *.keepme\n")
    write(dst / "old.keepme", "protected by the destination's .rsync-filter\n")
    write(dst / "old.txt", "deleted\n")
    write(dst / "text" / "lines.txt", "excluded, so protected\n")
    write(dst / "many" / "x.bin", "excluded by src's rule: protected\n")
    for d in (dst, dst / "text", dst / "many"):
        os.utime(d, ns=(T0, T0))


def cells():
    return cells_mod.matrix((name, PROTOCOLS) for name in SCENARIOS)


cell_id = cells_mod.cell_id


@pytest.fixture(scope="session")
def fixtures():
    with cells_mod.fixture_trees("crsync-filtmerge-") as base:
        yield base


def run_one(scenario, direction, role, proto, which, fixtures, work, crsync, upstream):
    opts, form = SCENARIOS[scenario]
    source = make_source(fixtures, work.parent)
    rules = work.parent / "merge.rules"
    rules.write_text("# single-instance merge\n- *.dat\n: .rules\n")
    dst = work / f"dst-{which}"
    if dst.exists():
        shutil.rmtree(dst)
    subprocess.run(["cp", "-a", f"{fixtures}/basis", str(dst)], check=True)
    prepare_dest(dst)
    argv_opts = [o.replace("{rules}", str(rules)) for o in opts]
    src = f"{source}/" if form == "contents" else str(source)
    argv = cells_mod.transfer_argv(direction, role, proto, which, crsync, upstream, argv_opts, src,
                                   dst, work.parent / "lsh.sh")
    rc, out, err = interop._run(argv, work)
    return rc, out, err, tree.snapshot(dst)


KNOWN: dict[str, str] = {}


def cell_param(c):
    return cells_mod.param(c, KNOWN)


def split_deletions(text):
    lines = text.splitlines()
    dels = sorted(x for x in lines if "deleting" in x)
    return "\n".join(x for x in lines if "deleting" not in x) + "\n--\n" + "\n".join(dels)


@pytest.mark.parametrize("cell", [cell_param(c) for c in cells()])
def test_cell(cell, fixtures, crsync, peers, tmp_path):
    scenario, direction, role, proto = cell
    if PEER not in peers:
        pytest.fail(f"upstream peer {PEER} is not installed")
    upstream = peers[PEER]
    (tmp_path / "lsh.sh").write_text(interop.LSH)
    (tmp_path / "lsh.sh").chmod(0o755)
    work = tmp_path / "w"
    work.mkdir()
    ours = run_one(scenario, direction, role, proto, "ours", fixtures, work, crsync, upstream)
    ref = run_one(scenario, direction, role, proto, "reference", fixtures, work, crsync, upstream)
    assert ours[0] == ref[0], f"exit code {ours[0]} vs {ref[0]}: {ours[2][-800:]} / {ref[2][-800:]}"
    diffs = tree.differences(ours[3], ref[3])
    assert not diffs, f"destination differs from upstream's: {diffs}"
    a, b = interop.normalise_output(ours[1]), interop.normalise_output(ref[1])
    a, b = split_deletions(a), split_deletions(b)
    assert a == b, "stdout differs from upstream's:\n" + "\n".join(
        f"- {y}\n+ {x}" for x, y in zip(a.splitlines(), b.splitlines()) if x != y)[:3000]
    if ref[0] == 0:
        # The scenario must exercise the rules: upstream itself left out
        # or kept something because of them.
        assert "small.txt" not in out_names(ref[1]) or scenario.startswith(("dir-merge", "merge",
                                                                            "negate"))


def out_names(text):
    return {line.split(" ", 1)[-1] for line in text.splitlines()}
