"""Incremental recursion over a tree larger than the sender's look-ahead:
4,200 files in 42 directories, so the sub-lists go out while requests are
already being served (upstream MIN_FILECNT_LOOKAHEAD is 1,000 files) and
finished lists are freed on the way. Hard-link groups span the first and
the last directories, stale files wait for --delete in several
directories, and --remove-source-files removes what was sent. Each
scenario runs with crsync on one side (local copy, either role as client
or server) next to upstream rsync 3.5.0 alone; the trees, the hard-link
groups, the item lines, the exit code and what is left of the source must
be the same.
"""
import os

import pytest

from crsync_harness import interop, tree

pytestmark = pytest.mark.interop

T0 = 1700000000
DIRS = 42
PER_DIR = 100
MODES = ["local", "pull-crsync_client", "pull-crsync_server", "push-crsync_server",
         "push-crsync_client"]
SCENARIOS = {
    "fresh": ["-aHi"],
    "delete": ["-aHi", "--delete"],
    "remove-source": ["-ai", "--remove-source-files"],
}


def dir_name(i):
    # Some directories nest, so the depth-first order of sub-lists matters.
    return f"d{i:02d}" if i % 7 else f"d{i - 1:02d}/n{i:02d}" if i else "d00"


def make_source(root):
    src = root / "src"
    for i in range(DIRS):
        d = src / dir_name(i)
        d.mkdir(parents=True, exist_ok=True)
        for j in range(PER_DIR):
            (d / f"f{j:03d}").write_text(f"{i} {j}\n" * (1 + j % 5))
    # Groups whose members sit in the first and last lists.
    os.link(src / "d00" / "f000", src / dir_name(DIRS - 1) / "link-first")
    os.link(src / "d01" / "f001", src / dir_name(DIRS - 2) / "link-second")
    for p in [*sorted(src.rglob("*"), reverse=True), src]:
        os.utime(p, ns=(T0 * 10**9, T0 * 10**9), follow_symlinks=False)
    return src


def make_dest(root, scenario):
    dst = root / "dst"
    dst.mkdir()
    if scenario == "delete":
        for i in (3, 20, DIRS - 1):
            d = dst / dir_name(i)
            d.mkdir(parents=True, exist_ok=True)
            (d / "stale").write_text("to delete\n")
            os.utime(d / "stale", ns=(T0 * 10**9, T0 * 10**9))
    return dst


def remaining(src):
    return sorted(str(p.relative_to(src)) for p in src.rglob("*") if not p.is_dir())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_large_incremental_tree(scenario, mode, crsync, peers, tmp_path):
    upstream = peers["3.5.0"]
    results = {}
    for which in ("ours", "reference"):
        root = tmp_path / which
        root.mkdir()
        src, dst = make_source(root), make_dest(root, scenario)
        lsh = root / "lsh.sh"
        lsh.write_text(interop.LSH)
        lsh.chmod(0o755)
        client = server = upstream
        if which == "ours":
            if mode.endswith("crsync_server"):
                server = crsync
            else:
                client = crsync
        argv = [client, *SCENARIOS[scenario]]
        if mode == "local":
            argv += [f"{src}/", f"{dst}/"]
        elif mode.startswith("pull"):
            argv += ["-e", lsh, f"--rsync-path={server}", f"localhost:{src}/", f"{dst}/"]
        else:
            argv += ["-e", lsh, f"--rsync-path={server}", f"{src}/", f"localhost:{dst}/"]
        rc, out, err = interop._run(argv, root)
        results[which] = (rc, interop.normalise_output(out), err, tree.snapshot(dst),
                          tree.link_groups(dst, linked_only=True), remaining(src))
    ours, ref = results["ours"], results["reference"]
    assert ref[0] == 0, ref[2]
    assert ours[0] == ref[0], ours[2]
    assert tree.differences(ours[3], ref[3]) == []
    assert ours[4] == ref[4]
    assert ours[5] == ref[5]
    # Lines from two threads (upstream: processes) interleave differently.
    assert sorted(ours[1].splitlines()) == sorted(ref[1].splitlines())
    # Not vacuous: the whole tree arrived, and the options did their work.
    assert len(ours[3]) > DIRS * PER_DIR
    if scenario == "fresh":
        assert ["d00/f000", f"{dir_name(DIRS - 1)}/link-first"] in ours[4]
    if scenario == "delete":
        assert "*deleting   d20/stale" in ours[1].splitlines()
        assert "d20/stale" not in ours[3]
    if scenario == "remove-source":
        assert ours[5] == []
