"""-H under incremental recursion: hard-link groups whose members sit in
different directories, so in different incremental file lists (a member
of a later list names a leader of an earlier one by its global index, with
its attributes in full). Each scenario runs with crsync receiving (local
copy, pulling client, pushed-to server) and crsync sending to a receiving
upstream, at protocol 32 (incremental) and 29 (not), next to upstream
rsync 3.5.0 alone. The tree, which names share an inode, the item lines
and the exit code must be the same.
"""
import os

import pytest

from crsync_harness import interop, tree

pytestmark = pytest.mark.interop

T0 = 1700000000
MODES = ["local", "pull-crsync_client", "push-crsync_server", "push-crsync_client"]
PROTOCOLS = [32, 29]
# name -> (client options, destination state)
SCENARIOS = {
    "fresh": (["-aHi"], "empty"),
    "some-present": (["-aHi"], "some"),
    "leader-changed": (["-aHi", "--no-whole-file"], "changed"),
    "delete": (["-aHi", "--delete"], "some"),
}


def make_source(root):
    src = root / "src"
    for d in ("a", "b/deep", "c", "d"):
        (src / d).mkdir(parents=True)
    (src / "a" / "x").write_text("group one\n" * 200)
    os.link(src / "a" / "x", src / "b" / "y")
    os.link(src / "a" / "x", src / "b" / "deep" / "z")
    os.link(src / "a" / "x", src / "top1")
    (src / "c" / "p").write_text("group two\n")
    os.link(src / "c" / "p", src / "d" / "q")
    (src / "d" / "lone").write_text("not linked\n")
    for p in [*sorted(src.rglob("*"), reverse=True), src]:
        os.utime(p, ns=(T0 * 10**9, T0 * 10**9), follow_symlinks=False)
    return src


def make_dest(root, state):
    dst = root / "dst"
    dst.mkdir()
    if state in ("some", "changed"):
        (dst / "b").mkdir()
        text = "group one\n" * 200 if state == "some" else "group one, older\n" * 150
        (dst / "b" / "y").write_text(text)
        os.utime(dst / "b" / "y", ns=(T0 * 10**9, T0 * 10**9) if state == "some" else (1, 1))
        (dst / "d").mkdir()
        (dst / "d" / "q").write_text("group two\n")
        os.utime(dst / "d" / "q", ns=(T0 * 10**9, T0 * 10**9))
        (dst / "stale").write_text("to delete\n")
        os.utime(dst / "stale", ns=(T0 * 10**9, T0 * 10**9))
    return dst


@pytest.mark.parametrize("proto", PROTOCOLS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_hardlinks_across_lists(scenario, mode, proto, crsync, peers, tmp_path):
    upstream = peers["3.5.0"]
    opts, state = SCENARIOS[scenario]
    results = {}
    for which in ("ours", "reference"):
        root = tmp_path / which
        root.mkdir()
        src, dst = make_source(root), make_dest(root, state)
        lsh = root / "lsh.sh"
        lsh.write_text(interop.LSH)
        lsh.chmod(0o755)
        client = server = upstream
        if which == "ours":
            if mode == "push-crsync_server":
                server = crsync
            else:
                client = crsync
        argv = [client, *opts, f"--protocol={proto}"]
        if mode == "local":
            argv += [f"{src}/", f"{dst}/"]
        elif mode == "pull-crsync_client":
            argv += ["-e", lsh, f"--rsync-path={server}", f"localhost:{src}/", f"{dst}/"]
        else:
            argv += ["-e", lsh, f"--rsync-path={server}", f"{src}/", f"localhost:{dst}/"]
        rc, out, err = interop._run(argv, root)
        results[which] = (rc, interop.normalise_output(out), err, tree.snapshot(dst), tree.link_groups(dst))
    ours, ref = results["ours"], results["reference"]
    assert ref[0] == 0, ref[2]
    assert ours[0] == ref[0], ours[2]
    assert tree.differences(ours[3], ref[3]) == []
    assert ours[4] == ref[4]
    # Deletion and item lines come from two threads (upstream: processes);
    # their interleaving varies, so the lines are compared in any order.
    assert sorted(ours[1].splitlines()) == sorted(ref[1].splitlines()), (ours[1], ref[1])
    if scenario == "fresh":
        # Not vacuous: the group of four spanning three lists was made.
        assert ["a/x", "b/deep/z", "b/y", "top1"] in ours[4], ours[4]
