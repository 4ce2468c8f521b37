"""Receiving-side options: -b/--backup, --backup-dir, --suffix,
--delay-updates and -T/--temp-dir.

Each scenario runs as a local copy and over the remote-shell stand-in
(crsync as client and as server, push and pull, protocols 32 and 29)
against upstream rsync 3.5.0, next to the same transfer between upstream
and itself; the destination tree (backups and backup directory included),
the itemized output and the exit code must be the same. Directories whose
times the transfer itself changes (backups made next to files, new backup
directories) get the time of the run, so a time after the transfer
started is compared only as "during the transfer". The server argument
vectors a client builds for these options are compared with upstream's
too.
"""
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from crsync_harness import cells as cells_mod
from crsync_harness import interop, paths, tree

pytestmark = pytest.mark.interop

PEER = "3.5.0"
PROTOCOLS = [32, 29]

# name -> client options. "{aux}" is a directory outside the destination
# (per run, compared too); "{xdev}" one on another file system, if there
# is one (/dev/shm), else skipped.
SCENARIOS = {
    "backup": ["-abi"],
    "backup-dir": ["-abi", "--backup-dir=bak"],
    "backup-suffix": ["-abi", "--suffix=.old"],
    "backup-dir-outside": ["-ai", "--backup-dir={aux}/bk", "--suffix=.b"],
    "backup-delete": ["-abi", "--delete"],
    "backup-dir-delete-after": ["-abi", "--delete-after", "--backup-dir=./bak/"],
    "backup-inplace": ["-abi", "--inplace", "--no-whole-file"],
    "backup-inplace-whole": ["-abi", "--inplace", "--whole-file"],
    "delay-updates": ["-ai", "--delay-updates"],
    "delay-updates-delete": ["-ai", "--delay-updates", "--delete-after"],
    "delay-updates-backup": ["-ai", "--delay-updates", "--backup-dir=bak"],
    "delay-updates-leftover": ["-ai", "--delay-updates", "--no-whole-file"],
    "temp-dir": ["-ai", "-T", "{aux}"],
    "temp-dir-xdev": ["-ai", "-T", "{xdev}"],
    "temp-dir-backup": ["-abi", "--temp-dir={aux}", "--suffix=_bak"],
    "temp-dir-delay": ["-ai", "--delay-updates", "-T", "{xdev}"],
    # The source has directories named like --delay-updates' own: upstream's
    # client excludes them ("-p .~tmp~/", sent to a sending server).
    "delay-updates-source-tmpdir": ["-ai", "--delay-updates"],
}

# Scenarios whose source is the fixtures' src/ plus some additions.
def make_source(scenario, fixtures, where):
    if scenario != "delay-updates-source-tmpdir":
        return fixtures / "src"
    src = where / "src"
    if not src.exists():
        subprocess.run(["cp", "-a", f"{fixtures}/src", str(src)], check=True)
        for d in (src / ".~tmp~", src / "text" / ".~tmp~"):
            d.mkdir()
            (d / "parked.txt").write_text("not to be sent\n")
            os.utime(d / "parked.txt", ns=(1700000000 * 10**9, 1700000000 * 10**9))
            os.utime(d, ns=(1700000000 * 10**9, 1700000000 * 10**9))
        for d in (src, src / "text"):  # back to the fixture's times
            st = os.stat(fixtures / "src" / d.relative_to(src))
            os.utime(d, ns=(st.st_atime_ns, st.st_mtime_ns))
    return src


def prepare(scenario, dst, fixtures):
    """Scenario-specific destination set-up, after the basis is copied."""
    if scenario == "delay-updates-leftover":
        # An earlier run's parked file: upstream's generator takes it as the
        # basis (and its sender then matches in place); the result is the
        # same either way.
        left = dst / "text" / ".~tmp~"
        left.mkdir()
        src = (fixtures / "src" / "text" / "lines.txt").read_bytes()
        (left / "lines.txt").write_bytes(src[: len(src) // 2])
    if scenario == "backup-dir-delete-after":
        # An old backup in the way of a new one, and a file in the way of a
        # backup directory.
        (dst / "bak").mkdir()
        (dst / "bak" / "small.txt").write_text("older backup\n")
        (dst / "bak" / "text").write_text("not a directory\n")
    if scenario == "backup-delete":
        # A backup of an earlier run: a client protects it from deletion.
        (dst / "stale.txt~").write_text("old backup\n")


def cells():
    return cells_mod.matrix((name, PROTOCOLS) for name in SCENARIOS)


cell_id = cells_mod.cell_id


@pytest.fixture(scope="session")
def fixtures():
    with cells_mod.fixture_trees("crsync-recvopts-") as base:
        yield base


@pytest.fixture(scope="session")
def xdev_base():
    """A directory on another file system than the test's, or None."""
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tempfile.gettempdir()).st_dev:
        yield None
        return
    d = Path(tempfile.mkdtemp(prefix="crsync-xdev-", dir=shm))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def mask_run_times(snap, started_ns):
    for entry in snap.values():
        if entry["mtime_ns"] >= started_ns:
            entry["mtime_ns"] = "during the transfer"
    return snap


def split_deletions(text):
    """MSG_DELETED lines land among the item lines where buffer flushes put
    them (in upstream as in crsync): items in order, deletions as a set."""
    lines = text.splitlines()
    dels = sorted(x for x in lines if "deleting" in x)
    return "\n".join(x for x in lines if "deleting" not in x) + "\n--\n" + "\n".join(dels)


def run_one(scenario, direction, role, proto, which, fixtures, work, crsync, upstream, xdev_base):
    opts = SCENARIOS[scenario]
    source = make_source(scenario, fixtures, work.parent)
    dst = work / f"dst-{which}"
    aux = work / f"aux-{which}"
    for d in (dst, aux):
        if d.exists():
            shutil.rmtree(d)
    aux.mkdir()
    xdev = None
    if xdev_base is not None:
        xdev = xdev_base / f"{work.name}-{which}"
        if xdev.exists():
            shutil.rmtree(xdev)
        xdev.mkdir()
    subprocess.run(["cp", "-a", f"{fixtures}/basis", str(dst)], check=True)
    prepare(scenario, dst, fixtures)
    argv_opts = [o.replace("{aux}", str(aux)).replace("{xdev}", str(xdev)) for o in opts]
    src = f"{source}/"
    argv = cells_mod.transfer_argv(direction, role, proto, which, crsync, upstream, argv_opts, src,
                                   dst, work.parent / "lsh.sh")
    started = time.time_ns()
    rc, out, err = interop._run(argv, work)
    snap = mask_run_times(tree.snapshot(dst), started)
    aux_snap = mask_run_times(tree.snapshot(aux), started)
    xdev_snap = mask_run_times(tree.snapshot(xdev), started) if xdev else {}
    return rc, out, err, snap, aux_snap, xdev_snap


# Known divergences: cell id -> reason. The cells are strict xfails, so a
# fixed one fails until it is removed from here.
KNOWN: dict[str, str] = {}


def cell_param(c):
    return cells_mod.param(c, KNOWN)


@pytest.mark.parametrize("cell", [cell_param(c) for c in cells()])
def test_cell(cell, fixtures, crsync, peers, tmp_path, xdev_base):
    scenario, direction, role, proto = cell
    if PEER not in peers:
        pytest.fail(f"upstream peer {PEER} is not installed")
    if "{xdev}" in " ".join(SCENARIOS[scenario]) and xdev_base is None:
        pytest.skip("no second file system for the temp dir")
    upstream = peers[PEER]
    (tmp_path / "lsh.sh").write_text(interop.LSH)
    (tmp_path / "lsh.sh").chmod(0o755)
    work = tmp_path / "w"
    work.mkdir()
    ours = run_one(scenario, direction, role, proto, "ours", fixtures, work, crsync, upstream, xdev_base)
    ref = run_one(scenario, direction, role, proto, "reference", fixtures, work, crsync, upstream,
                  xdev_base)
    assert ref[0] == 0, f"the upstream reference itself failed: {ref[2]}"
    assert ours[0] == ref[0], f"exit code {ours[0]} vs {ref[0]}: {ours[2][-800:]}"
    for i, what in ((3, "destination"), (4, "aux dir"), (5, "xdev dir")):
        diffs = tree.differences(ours[i], ref[i])
        assert not diffs, f"{what} tree differs from upstream's: {diffs}"
    a, b = interop.normalise_output(ours[1]), interop.normalise_output(ref[1])
    if "delete" in scenario:
        a, b = split_deletions(a), split_deletions(b)
    assert a == b, "stdout differs from upstream's:\n" + "\n".join(
        f"- {y}\n+ {x}" for x, y in zip(a.splitlines(), b.splitlines()) if x != y)[:3000]


# ---- the -vv messages of backups ----

BACKUP_LINES = ("backed up ", "backup_dir is ", "(new) backup_dir is ")


@pytest.mark.parametrize("opts", [["-abvv"], ["-avv", "--backup-dir=bak"], ["-abvv", "--delete"],
                                  ["-avv", "--backup-dir=bak", "--delay-updates"]],
                         ids=lambda o: " ".join(o))
@pytest.mark.parametrize("how", ["local", "push-crsync_server", "pull-crsync_client"])
def test_backup_messages(opts, how, fixtures, crsync, peers, tmp_path):
    """With -vv each backup is reported ("backed up X to Y", and the backup
    dir at the start). The lines come from the receiving side, so where they
    fall among the names depends on buffering: compared as a set."""
    upstream = peers[PEER]
    (tmp_path / "lsh.sh").write_text(interop.LSH)
    (tmp_path / "lsh.sh").chmod(0o755)
    got = {}
    for which in ("ours", "reference"):
        dst = tmp_path / f"dst-{which}"
        subprocess.run(["cp", "-a", f"{fixtures}/basis", str(dst)], check=True)
        src = f"{fixtures}/src/"
        if how == "local":
            argv = [crsync if which == "ours" else upstream, *opts, src, f"{dst}/"]
        elif how == "push-crsync_server":
            server = crsync if which == "ours" else upstream
            argv = [upstream, *opts, "-e", tmp_path / "lsh.sh", f"--rsync-path={server}", src,
                    f"localhost:{dst}/"]
        else:
            client = crsync if which == "ours" else upstream
            argv = [client, *opts, "-e", tmp_path / "lsh.sh", f"--rsync-path={upstream}",
                    f"localhost:{src}", f"{dst}/"]
        rc, out, err = interop._run(argv, tmp_path)
        assert rc == 0, err
        got[which] = sorted(x for x in out.splitlines() if x.startswith(BACKUP_LINES))
    assert got["reference"], "upstream printed no backup lines"
    assert got["ours"] == got["reference"]


# ---- what a client asks its server for ----

SPY = """#!/bin/sh
# Records the remote command line (one word a line) and fails the session.
shift
for a in "$@"; do printf '%s\\n' "$a"; done > "$SPY_OUT"
exit 1
"""

ARGV_CASES = [
    ["-ab"], ["-a", "--backup-dir=bak"], ["-ab", "--suffix=.old"], ["-a", "--backup-dir=bk", "--suffix=~"],
    ["-a", "--backup-dir=./x y*$"], ["-a", "--suffix=!s"], ["-a", "-O", "-b"], ["-a", "-O", "--backup-dir=x"],
    ["-a", "--backup-dir=.", "--suffix=.b"], ["-a", "--delay-updates"], ["-a", "--delay-updates", "--partial"],
    ["-a", "-T", "/tmp/x y"], ["-a", "--temp-dir=rel", "--partial"], ["-ab", "--delete"],
    # Options of other suites that change the server's command line.
    ["-a", "-s"], ["-avs", "--backup-dir=x y", "--delete"], ["-a", "--bwlimit=100"],
    ["-a", "--bwlimit=1.5M"], ["-az", "--skip-compress=gz/jpg"], ["-a", "-F", "--delete"],
    ["-a", "--chmod=u+x,Dg+s"],
]


@pytest.mark.parametrize("direction", ["push", "pull"])
@pytest.mark.parametrize("opts", ARGV_CASES, ids=lambda o: " ".join(o))
def test_server_argv(opts, direction, crsync, peers, tmp_path):
    upstream = peers[PEER]
    spy = tmp_path / "spy.sh"
    spy.write_text(SPY)
    spy.chmod(0o755)
    (tmp_path / "src").mkdir()
    words = {}
    for which, client in (("ours", crsync), ("reference", upstream)):
        out = tmp_path / f"argv-{which}"
        args = ["host:src/", str(tmp_path / "dst")] if direction == "pull" else [str(tmp_path / "src") + "/",
                                                                                 "host:dst/"]
        subprocess.run([str(client), *opts, "-e", str(spy), *args], cwd=tmp_path, capture_output=True,
                       env={**os.environ, "SPY_OUT": str(out), "LC_ALL": "C"}, timeout=30)
        words[which] = out.read_text().splitlines() if out.exists() else None
    assert words["reference"] is not None
    assert words["ours"] == words["reference"]


# ---- option errors ----

@pytest.mark.parametrize("opts", [["-b", "--suffix="], ["--suffix=a/b"], ["-a", "--backup-dir=.", "--suffix="],
                                  ["-a", "--inplace", "--delay-updates"]],
                         ids=lambda o: " ".join(o))
def test_option_errors(opts, fixtures, crsync, peers, tmp_path):
    """Refused as upstream refuses them: exit 1, nothing transferred."""
    dst = tmp_path / "dst"
    rc, out, err = interop._run([crsync, *opts, f"{fixtures}/src/", f"{dst}/"], tmp_path)
    ref_rc, _, ref_err = interop._run([peers[PEER], *opts, f"{fixtures}/src/", f"{tmp_path}/ref/"], tmp_path)
    assert ref_rc == 1
    assert rc == 1, err
    msg = [x for x in ref_err.splitlines() if "cannot" in x][0].replace("rsync: ", "")
    assert msg in err
    assert not any(dst.rglob("*.txt"))


# A receiver that stops at the start exits 1 in upstream. crsync's code
# can differ there for reasons outside these options, and which one shows
# is a race: a local copy may report the client's broken connection (12)
# instead of the server's code (cli/client.cc run_local), and a crsync
# server exits without draining its input (upstream's noop_io_until_death),
# so an upstream client writing to it may die on EPIPE (10) before it reads
# MSG_ERROR_EXIT(1). A crsync client receiving is exact.
START_FAILURE_HOWS = {"local": {1, 12}, "pull-crsync_client": {1}, "push-crsync_server": {1, 10}}


def start_failure(how, opts, dst, fixtures, crsync, upstream, tmp_path):
    (tmp_path / "lsh.sh").write_text(interop.LSH)
    (tmp_path / "lsh.sh").chmod(0o755)
    src = f"{fixtures}/src/"
    if how == "local":
        argv = [crsync if crsync else upstream, *opts, src, f"{dst}/"]
    elif how == "pull-crsync_client":
        argv = [crsync or upstream, *opts, "-e", tmp_path / "lsh.sh", f"--rsync-path={upstream}",
                f"localhost:{src}", f"{dst}/"]
    else:
        argv = [upstream, *opts, "-e", tmp_path / "lsh.sh", f"--rsync-path={crsync or upstream}", src,
                f"localhost:{dst}/"]
    return interop._run(argv, tmp_path)


@pytest.mark.parametrize("how", list(START_FAILURE_HOWS))
@pytest.mark.parametrize("which", ["missing", "file"])
def test_temp_dir_must_exist(which, how, fixtures, crsync, peers, tmp_path):
    t = tmp_path / "t"
    if which == "file":
        t.write_text("x")
    want = "The temp-dir does not exist" if which == "missing" else "The temp-dir is not a directory"
    for client, dst in ((crsync, tmp_path / "d1"), (None, tmp_path / "d2")):
        rc, out, err = start_failure(how, ["-a", "-T", t], dst, fixtures, client, peers[PEER], tmp_path)
        assert want in err
        assert rc in (START_FAILURE_HOWS[how] if client else {1}), err
        assert not any(dst.rglob("*.txt"))


@pytest.mark.parametrize("how", list(START_FAILURE_HOWS))
def test_backup_dir_not_a_directory(how, fixtures, crsync, peers, tmp_path):
    for client, dst in ((crsync, tmp_path / "d1"), (None, tmp_path / "d2")):
        subprocess.run(["cp", "-a", f"{fixtures}/basis", str(dst)], check=True)
        (dst / "bak").write_text("x")
        rc, out, err = start_failure(how, ["-a", "--backup-dir=bak"], dst, fixtures, client, peers[PEER],
                                     tmp_path)
        assert "The backup-dir is not a directory: bak" in err
        assert rc in (START_FAILURE_HOWS[how] if client else {1}), err
        assert (dst / "small.txt").read_text() == (fixtures / "basis" / "small.txt").read_text()
        assert (dst / "bak").read_text() == "x"


# ---- the backup tree never leaves its directory ----

def test_backup_dir_symlink_from_sender_is_not_followed(crsync, tmp_path):
    """A relative --backup-dir that does not exist yet: when the sender
    creates it as a symlink (here to a directory outside the destination),
    the backups are not written through it."""
    src, dst, outside = tmp_path / "src", tmp_path / "dst", tmp_path / "outside"
    for d in (src, dst, outside):
        d.mkdir()
    (src / "f.txt").write_text("new\n")
    os.symlink(str(outside), src / "bak")
    (dst / "f.txt").write_text("old\n")
    os.utime(dst / "f.txt", (1, 1))
    (tmp_path / "lsh.sh").write_text(interop.LSH)
    (tmp_path / "lsh.sh").chmod(0o755)
    rc, out, err = interop._run([crsync, "-a", "--backup-dir=bak", "-e", tmp_path / "lsh.sh",
                                 f"--rsync-path={crsync}", f"localhost:{src}/", f"{dst}/"], tmp_path)
    assert list(outside.iterdir()) == []
    # The backup cannot be made, which ends the transfer (upstream's exit 11
    # for a failed backup), leaving the old file.
    assert rc == 11, err
    assert (dst / "f.txt").read_text() == "old\n"
