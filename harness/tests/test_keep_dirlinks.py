"""-K/--keep-dirlinks: a symlink in the destination that points at a
directory is taken as that directory when the sender has a directory of
that name, as upstream does; without -K it is replaced by a directory.

Each scenario runs with crsync receiving (local copy; crsync client
pulling from an upstream server; upstream pushing into a crsync server)
and with crsync sending to a receiving upstream server (so -K must travel
in the server's options), at protocols 32 and 29, next to the same
transfer done by upstream rsync 3.5.0 alone. The destination, the
directory outside it that a symlink may lead to, the itemized output and
the exit code must be the same.
"""
import os
import subprocess
import time
from pathlib import Path

import pytest

from crsync_harness import interop, tree

pytestmark = pytest.mark.interop

T0 = 1700000000

# name -> (client options, destination set-up)
SCENARIOS = {
    "inside": (["-aiK"], "inside"),
    "inside-delete": (["-aiK", "--delete"], "inside"),
    "inside-no-K": (["-ai"], "inside"),
    "outside": (["-aiK"], "outside"),
    "outside-delete": (["-aiK", "--delete"], "outside"),
    "to-a-file": (["-aiK"], "file"),
    "dangling": (["-aiK"], "dangling"),
    "nested": (["-aiK", "--no-whole-file"], "nested"),
    "no-inc-recursive": (["-aiK", "--no-inc-recursive", "--delete"], "nested"),
}
MODES = ["local", "pull-crsync_client", "push-crsync_server", "push-crsync_client"]
PROTOCOLS = [32, 29]


def _touch(p, t=T0):
    os.utime(p, ns=(t * 10**9, t * 10**9), follow_symlinks=False)


def make_source(root):
    src = root / "src"
    (src / "link" / "sub").mkdir(parents=True)
    (src / "plain").mkdir()
    (src / "link" / "a.txt").write_text("a from the source\n")
    (src / "link" / "sub" / "b.txt").write_text("b from the source\n" * 300)
    (src / "plain" / "c.txt").write_text("c\n")
    (src / "top.txt").write_text("top\n")
    for p in sorted(src.rglob("*"), reverse=True):
        _touch(p)
    _touch(src, T0 + 5)
    return src


def make_world(root, setup):
    """dst (the destination) and out (a directory beside it) under root."""
    dst, out = root / "dst", root / "out"
    (dst / "real").mkdir(parents=True)
    (out / "target").mkdir(parents=True)
    (dst / "real" / "a.txt").write_text("old a\n")
    (dst / "real" / "extra.txt").write_text("only in the destination\n")
    (out / "target" / "old.txt").write_text("beside the destination\n")
    (dst / "afile").write_text("a file\n")
    if setup == "inside":
        os.symlink("real", dst / "link")
    elif setup == "outside":
        os.symlink("../out/target", dst / "link")
    elif setup == "file":
        os.symlink("afile", dst / "link")
    elif setup == "dangling":
        os.symlink("nowhere", dst / "link")
    elif setup == "nested":
        (dst / "plain").mkdir()
        os.symlink("../real", dst / "plain" / "inner")
        os.symlink("real", dst / "link")
    for p in sorted(list(dst.rglob("*")) + list(out.rglob("*")), reverse=True):
        _touch(p, T0 - 100)
    return dst, out


def make_nested_source(src):
    """The nested scenario also sends plain/inner/ (a dirlink below a
    directory)."""
    inner = src / "plain" / "inner"
    if not inner.exists():
        inner.mkdir()
        (inner / "d.txt").write_text("d\n")
        _touch(inner / "d.txt")
        _touch(inner)
        _touch(src / "plain")


def run_once(client, server, mode, proto, opts, src, dst, work):
    """One transfer; the protocol is forced on the client (as the interop
    matrix does), the server follows."""
    lsh = work / "lsh.sh"
    if not lsh.exists():
        lsh.write_text(interop.LSH)
        lsh.chmod(0o755)
    argv = [client, *opts, f"--protocol={proto}"]
    if mode == "local":
        argv += [f"{src}/", f"{dst}/"]
    elif mode == "pull-crsync_client":
        argv += ["-e", lsh, f"--rsync-path={server}", f"localhost:{src}/", f"{dst}/"]
    else:
        argv += ["-e", lsh, f"--rsync-path={server}", f"{src}/", f"localhost:{dst}/"]
    return interop._run(argv, work)


# Below 30 there is no incremental recursion to turn off, so that scenario
# runs at 32 only.
CELLS = [(s, m, p) for s in sorted(SCENARIOS) for m in MODES for p in PROTOCOLS
         if not (p < 30 and "--no-inc-recursive" in SCENARIOS[s][0])]


@pytest.mark.parametrize("scenario,mode,proto", CELLS, ids=lambda v: str(v))
def test_keep_dirlinks(scenario, mode, proto, crsync, peers, tmp_path):
    opts, setup = SCENARIOS[scenario]
    # 3.5.0 no longer follows a destination symlink that leads out of the
    # destination, even with -K (its new secure-links walk fails ELOOP);
    # 3.4.1, which crsync follows, does, as 3.2.7 does.
    upstream = peers["3.2.7" if setup == "outside" else "3.5.0"]
    results = {}
    for which in ("ours", "reference"):
        root = tmp_path / which
        root.mkdir()
        src = make_source(root)
        if setup == "nested":
            make_nested_source(src)
        dst, out = make_world(root, setup)
        client = server = upstream
        if which == "ours":
            if mode in ("local", "pull-crsync_client", "push-crsync_client"):
                client = crsync
            else:
                server = crsync
        started_ns = time.time_ns()
        rc, stdout, stderr = run_once(client, server, mode, proto, opts, src, dst, root)
        snaps = {"dst": tree.snapshot(dst), "out": tree.snapshot(out)}
        # A directory reached through a kept dirlink gets its new files but
        # not the sender's time (that goes to the symlink, as upstream's
        # lutimes does): its time is the transfer's own.
        for snap in snaps.values():
            for entry in snap.values():
                if entry["mtime_ns"] >= started_ns:
                    entry["mtime_ns"] = "during the transfer"
        results[which] = {"rc": rc, "stdout": interop.normalise_output(stdout), "stderr": stderr,
                          **snaps}
    ours, ref = results["ours"], results["reference"]
    assert ours["rc"] == ref["rc"], (ours["stderr"], ref["stderr"])
    assert tree.differences(ours["dst"], ref["dst"]) == []
    assert tree.differences(ours["out"], ref["out"]) == []
    # The generator's deletion lines and the receiver's item lines reach
    # stdout from two threads (upstream: two processes); their interleaving
    # varies from run to run, upstream's own included. The lines must be
    # the same; each side's order is checked by the other suites.
    assert sorted(ours["stdout"].splitlines()) == sorted(ref["stdout"].splitlines()), (
        ours["stdout"], ref["stdout"])


def test_keep_dirlinks_follows_the_link_where_upstream_does(crsync, tmp_path):
    """The scenarios above would pass if -K did nothing and upstream did
    nothing either: this pins what -K does."""
    src = make_source(tmp_path)
    dst, out = make_world(tmp_path, "outside")
    subprocess.run([crsync, "-aK", f"{src}/", f"{dst}/"], check=True)
    assert os.path.islink(dst / "link")
    assert (out / "target" / "sub" / "b.txt").read_text() == "b from the source\n" * 300
    other = tmp_path / "other"
    other.mkdir()
    src2 = make_source(other)
    dst2, out2 = make_world(other, "outside")
    subprocess.run([crsync, "-a", f"{src2}/", f"{dst2}/"], check=True)
    assert not os.path.islink(dst2 / "link") and (dst2 / "link" / "a.txt").exists()
    assert not (out2 / "target" / "a.txt").exists()
