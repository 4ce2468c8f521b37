"""Transfer options: --append, --append-verify, --partial-dir (and
RSYNC_PARTIAL_DIR), --remove-source-files / --remove-sent-files.

Each scenario runs as a local copy and over the remote-shell stand-in
(crsync as client and as server, push and pull, protocols 32 and 29)
against upstream rsync 3.5.0, next to the same transfer between upstream
and itself: the destination tree, the source tree afterwards (files
removed by --remove-source-files), a directory outside both (an absolute
partial dir), the itemized output and the exit code must be the same.
Directories whose times the transfer itself changes (a partial dir
removed, source files removed) get the time of the run, so a time after
the transfer started is compared only as "during the transfer".

Below protocol 30 --append checks the kept data as --append-verify does,
so the "append" scenario's mismatching prefix is redone there and not at
32: both are compared with upstream at the same protocol (the --append
scenarios also at 28, where a server's warnings reach the client's
stdout). Further tests:
a transfer cut off in mid-file keeps its partial file (in the partial
dir, or in place with the time 0) and the next run resumes from it; the
option combinations upstream refuses; the -vv "sender removed" lines; a
local copy onto itself removes nothing.
"""
import os
import random
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crsync_harness import cells as cells_mod
from crsync_harness import interop, peer, tree

pytestmark = pytest.mark.interop

PEER = "3.5.0"
PROTOCOLS = [32, 29]
T_OLD = 1600000000  # mtimes of the fixtures (seconds)
T_SRC = 1700000000

# name -> client options; "{aux}" is a directory outside source and
# destination, compared too.
SCENARIOS = {
    # big.bin shorter (appended to), text.txt as long (left alone, even
    # though its time differs), small.txt longer (left alone), inner.dat
    # shorter with a different prefix (kept as it is by --append at 32,
    # redone at 29, where --append verifies).
    "append": ["-ai", "--append"],
    "append-verify": ["-ai", "--append-verify"],
    "append-stats": ["-a", "--append-verify", "--stats"],
    # Partial files of an earlier run: big.bin's is the basis of a missing
    # file, inner.dat's of an existing one, small.txt's is dropped as its
    # file is up to date; the source's own partial dir is not sent.
    "partial-dir": ["-ai", "--partial-dir=.rsync-partial"],
    "partial-dir-nested": ["-ai", "--partial-dir=pd/x", "--no-whole-file"],
    "partial-dir-abs": ["-ai", "--partial-dir={aux}/pd"],
    "partial-env": ["-ai", "--partial"],  # with RSYNC_PARTIAL_DIR=.envpart
    "delay-partial-dir": ["-ai", "--delay-updates", "--partial-dir=.pd"],
    # Up-to-date files go too (the generator reports them), symlinks,
    # never directories.
    "remove-source": ["-ai", "--remove-source-files"],
    "remove-source-delay": ["-ai", "--remove-source-files", "--delay-updates"],
    # The old option removes only what was sent (and symlinks).
    "remove-sent": ["-ai", "--remove-sent-files"],
    # --max-size / --min-size: big.bin (300,000 bytes) and inner.dat (70,000)
    # are over 64 KiB, small.txt and z.txt under 1 KiB; a skipped file in
    # the destination survives --delete (it is in the list), a stray one
    # does not.
    "max-size": ["-ai", "--max-size=64K", "--delete"],
    "min-size": ["-ai", "--min-size=1k", "--max-size=299999+1"],
}
ENV = {"partial-env": {"RSYNC_PARTIAL_DIR": ".envpart"}}


def _data(seed, n):
    return random.Random(seed).randbytes(n)


def _write(path, data, mtime=T_SRC):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (mtime, mtime))


def make_source(scenario, src):
    big = _data(1, 300_000)
    _write(src / "big.bin", big)
    _write(src / "text.txt", b"".join(b"line %04d of the text\n" % i for i in range(300)))
    _write(src / "small.txt", b"hello world\n")
    _write(src / "sub" / "inner.dat", _data(2, 70_000))
    _write(src / "sub" / "deeper" / "z.txt", b"zzz\n")
    os.symlink("small.txt", src / "link")
    (src / "emptydir").mkdir()
    if scenario.startswith("partial-dir") or scenario == "delay-partial-dir":
        # The source's own partial dir: a client excludes it.
        name = {"partial-dir-nested": "pd/x", "delay-partial-dir": ".pd"}.get(scenario, ".rsync-partial")
        _write(src / "sub" / name / "junk.txt", b"not to be sent\n")
    for p in sorted([*src.rglob("*"), src], key=lambda p: -len(p.parts)):
        if p.is_dir() or p.is_symlink():
            os.utime(p, (T_SRC, T_SRC), follow_symlinks=False)


def make_dest(scenario, src, dst, aux):
    dst.mkdir()
    big = (src / "big.bin").read_bytes()
    inner = (src / "sub" / "inner.dat").read_bytes()
    if scenario.startswith("append"):
        _write(dst / "big.bin", big[:100_000], T_OLD)
        _write(dst / "text.txt", (src / "text.txt").read_bytes(), T_OLD)
        _write(dst / "small.txt", b"hello world, but longer\n", T_OLD)
        bad = bytearray(inner[:30_000])
        bad[10] ^= 0xFF
        _write(dst / "sub" / "inner.dat", bytes(bad), T_OLD)
    elif scenario.startswith("partial") or scenario == "delay-partial-dir":
        pdir = {"partial-dir-nested": "pd/x", "partial-env": ".envpart", "delay-partial-dir": ".pd"}.get(
            scenario, ".rsync-partial")
        top = aux / "pd" if scenario == "partial-dir-abs" else dst / pdir
        sub = aux / "pd" if scenario == "partial-dir-abs" else dst / "sub" / pdir
        _write(top / "big.bin", big[:120_000] + b"tail of an old run", T_OLD)
        _write(dst / "small.txt", b"hello world\n")  # up to date
        _write(top / "small.txt", b"hello", T_OLD)
        _write(dst / "sub" / "inner.dat", inner[:20_000], T_OLD)
        _write(sub / "inner.dat", inner[:50_000] + b"x" * 100, T_OLD)
    elif scenario in ("max-size", "min-size"):
        _write(dst / "big.bin", b"an older, smaller big.bin\n", T_OLD)
        _write(dst / "stray.txt", b"not in the source\n", T_OLD)
    elif scenario.startswith("remove"):
        _write(dst / "small.txt", b"hello world\n")  # up to date
        _write(dst / "text.txt", b"old text\n", T_OLD)
    for d in sorted([p for p in dst.rglob("*") if p.is_dir()] + [dst], key=lambda p: -len(p.parts)):
        os.utime(d, (T_OLD, T_OLD))


def cells():
    # At 28 a server's verification warnings reach the client's stdout.
    return cells_mod.matrix(
        (name, PROTOCOLS + ([28] if name.startswith("append") else [])) for name in SCENARIOS)


cell_id = cells_mod.cell_id


def run(argv, cwd, env=None, timeout=120):
    p = subprocess.run([str(a) for a in argv], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                       env={**os.environ, "LC_ALL": "C", **(env or {})})
    return p.returncode, p.stdout, p.stderr


def mask_run_times(snap, started_ns):
    for entry in snap.values():
        if entry["mtime_ns"] >= started_ns:
            entry["mtime_ns"] = "during the transfer"
    return snap


def write_lsh(where):
    (where / "lsh.sh").write_text(interop.LSH)
    (where / "lsh.sh").chmod(0o755)
    return where / "lsh.sh"


def run_one(scenario, direction, role, proto, which, work, crsync, upstream):
    base = work / which
    if base.exists():
        shutil.rmtree(base)
    src, dst, aux = base / "src", base / "dst", base / "aux"
    base.mkdir()
    aux.mkdir()
    make_source(scenario, src)
    make_dest(scenario, src, dst, aux)
    opts = [o.replace("{aux}", str(aux)) for o in SCENARIOS[scenario]]
    argv = cells_mod.transfer_argv(direction, role, proto, which, crsync, upstream, opts, f"{src}/",
                                   dst, work / "lsh.sh")
    started = time.time_ns()
    rc, out, err = run(argv, base, ENV.get(scenario))
    snaps = [mask_run_times(tree.snapshot(d), started) for d in (dst, src, aux)]
    return rc, out, err, snaps


# Known divergences: cell id -> reason (strict xfails).
KNOWN: dict[str, str] = {}


def cell_param(c):
    return cells_mod.param(c, KNOWN)


@pytest.mark.parametrize("cell", [cell_param(c) for c in cells()])
def test_cell(cell, crsync, peers, tmp_path):
    scenario, direction, role, proto = cell
    if PEER not in peers:
        pytest.fail(f"upstream peer {PEER} is not installed")
    upstream = peers[PEER]
    write_lsh(tmp_path)
    ours = run_one(scenario, direction, role, proto, "ours", tmp_path, crsync, upstream)
    ref = run_one(scenario, direction, role, proto, "reference", tmp_path, crsync, upstream)
    assert ref[0] == 0, f"the upstream reference itself failed: {ref[2]}"
    assert ours[0] == ref[0], f"exit code {ours[0]} vs {ref[0]}: {ours[2][-800:]}"
    for i, what in enumerate(("destination", "source", "aux dir")):
        diffs = tree.differences(ours[3][i], ref[3][i])
        assert not diffs, f"{what} tree differs from upstream's: {diffs}"
    a, b = interop.normalise_output(ours[1]), interop.normalise_output(ref[1])
    assert a == b, "stdout differs from upstream's:\n" + "\n".join(
        f"- {y}\n+ {x}" for x, y in zip(a.splitlines(), b.splitlines()) if x != y)[:3000]


def test_scenarios_do_what_they_say(crsync, peers, tmp_path):
    """The fixtures exercise what the scenarios claim, in upstream itself:
    --append left the longer file alone and appended to the shorter one,
    the partial files were used and removed, the sources were removed."""
    upstream = peers[PEER]
    write_lsh(tmp_path)
    rc, out, err, (dst, src, aux) = run_one("append", "local", "-", 0, "reference", tmp_path, crsync, upstream)
    assert rc == 0 and dst["small.txt"]["size"] == len(b"hello world, but longer\n")
    assert dst["big.bin"]["size"] == 300_000 and "sub/inner.dat" in dst
    rc, out, err, (dst, src, aux) = run_one("partial-dir", "local", "-", 0, "reference", tmp_path, crsync,
                                            upstream)
    assert rc == 0 and ".rsync-partial" not in dst and "sub/.rsync-partial" not in dst
    rc, out, err, (dst, src, aux) = run_one("remove-source", "local", "-", 0, "reference", tmp_path, crsync,
                                            upstream)
    assert rc == 0 and sorted(k for k, v in src.items() if not v["mode"].startswith("0o40")) == []


# ---- option combinations upstream refuses ----

@pytest.mark.parametrize("opts", [["--append", "-W"], ["--append", "--partial-dir=p"],
                                  ["--append-verify", "--delay-updates"], ["--inplace", "--partial-dir=p"],
                                  ["-P", "--inplace", "--delay-updates"]],
                         ids=lambda o: " ".join(o))
@pytest.mark.parametrize("how", ["local", "push"])
def test_option_errors(opts, how, crsync, peers, tmp_path):
    """Refused at once, as upstream refuses them: the same message, exit 1,
    nothing transferred, and no remote command started."""
    lsh = write_lsh(tmp_path)
    src = tmp_path / "src"
    _write(src / "f.txt", b"x\n")
    got = {}
    for which, client in (("ours", crsync), ("reference", peers[PEER])):
        dst = tmp_path / f"dst-{which}"
        target = [f"{dst}/"] if how == "local" else ["-e", lsh, f"--rsync-path={client}", f"localhost:{dst}/"]
        rc, out, err = run([client, "-a", *opts, f"{src}/", *target], tmp_path)
        got[which] = (rc, [x for x in err.splitlines() if "cannot be used" in x])
        assert not dst.exists()
    assert got["reference"][0] == 1 and got["reference"][1]
    assert got["ours"] == got["reference"]


# ---- -vv: what the sender removed ----

@pytest.mark.parametrize("how", ["local", "push-crsync_client", "push-crsync_server", "pull-crsync_client",
                                 "pull-crsync_server"])
def test_sender_removed_lines(how, crsync, peers, tmp_path):
    """With -vv the sender names each file it removes; where the lines fall
    among the others depends on buffering, so they are compared as a set."""
    upstream = peers[PEER]
    write_lsh(tmp_path)
    got = {}
    for which in ("ours", "reference"):
        base = tmp_path / which
        src, dst = base / "src", base / "dst"
        base.mkdir()
        make_source("remove-source", src)
        make_dest("remove-source", src, dst, base)
        if how == "local":
            argv = [crsync if which == "ours" else upstream, "-avv", "--remove-source-files", f"{src}/", f"{dst}/"]
        else:
            direction, role = how.split("-crsync_")
            client = crsync if which == "ours" and role == "client" else upstream
            server = crsync if which == "ours" and role == "server" else upstream
            argv = [client, "-avv", "--remove-source-files", "-e", tmp_path / "lsh.sh", f"--rsync-path={server}"]
            argv += [f"{src}/", f"localhost:{dst}/"] if direction == "push" else [f"localhost:{src}/", f"{dst}/"]
        rc, out, err = run(argv, base)
        assert rc == 0, err
        got[which] = sorted(x for x in out.splitlines() if x.startswith("sender removed "))
    assert "sender removed small.txt" in got["reference"]
    assert got["ours"] == got["reference"]


def test_local_copy_onto_itself_keeps_its_files(crsync, peers, tmp_path):
    """The receiver's file is the source itself: the sender refuses to
    remove it (exit 23), in upstream as here. (A symlink is compared by the
    file it points to, so upstream does remove that.)"""
    after = {}
    for which, client in (("ours", crsync), ("reference", peers[PEER])):
        d = tmp_path / which
        make_source("remove-source", d)
        rc, out, err = run([client, "-a", "--remove-source-files", f"{d}/", f"{d}/"], tmp_path)
        assert rc == 23, err
        assert "ERROR: Skipping sender remove of destination file: small.txt" in err
        assert "ERROR: Skipping sender remove of destination file: sub/inner.dat" in err
        after[which] = tree.snapshot(d)
        assert "big.bin" in after[which]
    assert not tree.differences(after["ours"], after["reference"])


# ---- a transfer cut off in mid-file ----

# Remote shell stand-in that cuts the connection after $CUT_AT bytes in one
# direction ($CUT_DIR: "out" = what the server writes, "in" = what it
# reads). The copying is done by a small program that copes with the
# non-blocking pipes rsync leaves behind (head(1) gives up on EAGAIN).
CUT = """#!/bin/sh
shift
if [ "$CUT_DIR" = out ]; then
  "$@" | "$CUT_PY" "$(dirname "$0")/cutter.py"
else
  "$CUT_PY" "$(dirname "$0")/cutter.py" | "$@"
fi
"""
CUTTER = """import os, select, sys
left = int(os.environ["CUT_AT"])
while left > 0:
    try:
        b = os.read(0, min(65536, left))
    except BlockingIOError:
        select.select([0], [], [])
        continue
    if not b:
        break
    left -= len(b)
    while b:
        try:
            b = b[os.write(1, b):]
        except BlockingIOError:
            select.select([], [1], [])
"""


def cut_off_run(client, server, opts, direction, src, dst, work):
    cut = work / "cut.sh"
    cut.write_text(CUT)
    cut.chmod(0o755)
    (work / "cutter.py").write_text(CUTTER)
    argv = [client, *opts, "-e", cut, f"--rsync-path={server}"]
    argv += [f"{src}/", f"localhost:{dst}/"] if direction == "push" else [f"localhost:{src}/", f"{dst}/"]
    # Pull: the server's output to the receiving client is cut; push: the
    # client's output to the receiving server.
    env = {"CUT_AT": "700000", "CUT_DIR": "out" if direction == "pull" else "in", "CUT_PY": sys.executable}
    return run(argv, work, env, timeout=60)


@pytest.mark.parametrize("opts", [["-a", "--partial-dir=.rsync-partial"], ["-a", "--partial"]],
                         ids=lambda o: " ".join(o))
@pytest.mark.parametrize("how", ["pull-crsync_client", "push-crsync_server"])
def test_cut_off_transfer_keeps_partial_and_resumes(opts, how, crsync, peers, tmp_path):
    """A 2 MB file cut off after 700 kB: the receiver keeps what it got
    (in the partial dir, or with --partial in place with the time 0) as
    upstream does, and the next run completes the file from it and removes
    the partial file."""
    upstream = peers[PEER]
    direction = how.split("-")[0]
    data = _data(3, 2_000_000)
    results = {}
    for which in ("ours", "reference"):
        base = tmp_path / which
        src, dst = base / "src", base / "dst"
        _write(src / "huge.bin", data)
        dst.mkdir(parents=True)
        ours = which == "ours"
        client = crsync if ours and how.endswith("client") else upstream
        server = crsync if ours and how.endswith("server") else upstream
        rc, out, err = cut_off_run(client, server, opts, direction, src, dst, base)
        if "--partial" in opts:
            kept = dst / "huge.bin"
        else:
            kept = dst / ".rsync-partial" / "huge.bin"
            assert not (dst / "huge.bin").exists()
        assert kept.exists(), f"{which}: no partial file ({rc}): {err[-600:]}"
        got = kept.read_bytes()
        assert 0 < len(got) < len(data) and data.startswith(got), which
        results[which] = (rc, os.lstat(kept).st_mtime if "--partial" in opts else None)
        # The next run resumes from it.
        rc2, out2, err2 = run([client, *opts, "-e", interop_lsh(base), f"--rsync-path={server}",
                               *([f"{src}/", f"localhost:{dst}/"] if direction == "push"
                                 else [f"localhost:{src}/", f"{dst}/"]), "--stats"], base)
        assert rc2 == 0, err2
        assert (dst / "huge.bin").read_bytes() == data
        assert not (dst / ".rsync-partial").exists()
        matched = [x for x in out2.splitlines() if x.startswith("Matched data:")]
        assert matched and matched[0] != "Matched data: 0 bytes", out2
    if direction == "push":
        # The upstream client sees the server go either as a broken pipe
        # (10) or as the end of its input (12), whichever comes first.
        assert results["ours"][0] in (10, 12) and results["reference"][0] in (10, 12)
        results = {k: v[1] for k, v in results.items()}
    assert results["ours"] == results["reference"]


def interop_lsh(where):
    return write_lsh(where)


# ---- what a client asks its server for ----

SPY = """#!/bin/sh
# Records the remote command line (one word a line) and fails the session.
shift
for a in "$@"; do printf '%s\\n' "$a"; done > "$SPY_OUT"
exit 1
"""

ARGV_CASES = [
    ["-a", "--append"], ["-a", "--append-verify"], ["-a", "--append", "--protocol=29"],
    ["-a", "--partial-dir=.rp"], ["-a", "--partial-dir=./x y*/"], ["-a", "--partial-dir=/abs/p"],
    ["-a", "--partial-dir=p", "--delay-updates"], ["-a", "--partial"], ["-a", "--inplace", "--partial"],
    ["-a", "--remove-source-files"], ["-a", "--remove-sent-files"],
    ["-a", "--remove-source-files", "--append-verify", "--mkpath"],
    ["-a", "--max-size=1.5k", "--min-size=10b-1"], ["-a", "--min-size=2KiB+1", "--max-size=1G"],
]


@pytest.mark.parametrize("direction", ["push", "pull"])
@pytest.mark.parametrize("opts", ARGV_CASES, ids=lambda o: " ".join(o))
def test_server_argv(opts, direction, crsync, peers, tmp_path):
    spy = tmp_path / "spy.sh"
    spy.write_text(SPY)
    spy.chmod(0o755)
    (tmp_path / "src").mkdir()
    words = {}
    for which, client in (("ours", crsync), ("reference", peers[PEER])):
        out = tmp_path / f"argv-{which}"
        args = ["host:src/", str(tmp_path / "dst")] if direction == "pull" else [str(tmp_path / "src") + "/",
                                                                                 "host:dst/"]
        run([client, *opts, "-e", spy, *args], tmp_path, {"SPY_OUT": str(out), "RSYNC_PARTIAL_DIR": ".env p"})
        words[which] = out.read_text().splitlines() if out.exists() else None
    assert words["reference"] is not None
    assert words["ours"] == words["reference"]


# ---- a hostile generator: crsync as the sending server ----

def _msg(code, payload):
    return struct.pack("<I", ((7 + code) << 24) | len(payload)) + payload


def hostile_pull(crsync, src, opts, stream, tmp_path):
    """A protocol-29 client receiver pulling from `crsync --server --sender
    -lptr OPTS . src/`; with --remove-source-files the server reads
    multiplexed input (upstream's need_messages_from_generator) from the
    filter list on."""
    srv = peer.ServerProcess(crsync, ["--sender", "-lptr", *opts, ".", str(src) + "/"], str(tmp_path))
    mux = "--remove-source-files" in opts
    srv.send(peer.i32(29) + (peer.mux_data(peer.i32(0)) if mux else peer.i32(0)))
    time.sleep(1.0)
    srv.send(stream)
    time.sleep(1.0)
    return srv.finish()


@pytest.fixture()
def hsource(tmp_path):
    src = tmp_path / "src"
    _write(src / "f", b"0123456789" * 100)
    return src


REQUEST_F = peer.i32(1) + peer.i16(0x8000)  # ndx 1 is "f" ("." sorts first)


@pytest.mark.parametrize("payload,code,message", [
    (peer.i32(99), 2, "Invalid file index: 99"),
    (peer.i32(-7), 2, "Invalid file index: -7"),
    (peer.i32(1) + b"\0" * 4, 12, "MSG_SUCCESS"),  # neither 4 bytes nor a local server's 20
], ids=["index-out-of-range", "index-negative", "wrong-length"])
def test_bad_success_report(payload, code, message, crsync, hsource, tmp_path):
    rc, err = hostile_pull(crsync, hsource, ["--remove-source-files"], _msg(100, payload), tmp_path)
    assert rc == code, err
    assert message in err, err
    assert (hsource / "f").exists()


def test_success_report_removes_only_the_named_file(crsync, hsource, tmp_path):
    """A well-formed report for a file that was never requested still names a
    listed file: upstream removes it too (the report is all the sender
    knows); a directory is not removed."""
    _write(hsource / "g", b"x")
    rc, err = hostile_pull(crsync, hsource, ["--remove-source-files"],
                           _msg(100, peer.i32(2)) + _msg(100, peer.i32(0)), tmp_path)
    assert not (hsource / "g").exists()
    assert (hsource / "f").exists() and hsource.is_dir()


def test_append_head_beyond_the_file(crsync, hsource, tmp_path):
    """--append: a sum head describing more than the file holds is refused."""
    head = peer.i32(3) + peer.i32(700) + peer.i32(16) + peer.i32(0)  # 2100 bytes of a 1000-byte file
    rc, err = hostile_pull(crsync, hsource, ["--append", "--append"], REQUEST_F + head, tmp_path)
    assert rc == 2, err
    assert "--append sum head beyond the file" in err
