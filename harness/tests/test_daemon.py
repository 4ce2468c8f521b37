"""The daemon against upstream: upstream 3.5.0 and 3.2.7 clients against a
crsync daemon, and the crsync client against an upstream daemon, compared
with upstream-to-upstream in the same cell (a real upstream daemon started
the same way, with the same rsyncd.conf, gives the expected result); then
hostile clients against the crsync daemon."""
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from crsync_harness import tree
from crsync_harness.daemon import (Daemon, TextClient, authenticate, normalise, run_client)

PROTOCOLS = [32, 31, 30, 29, 28]
PASSWORD = "s3cret-pw"


def make_source(root):
    root = Path(root)
    (root / "sub" / "deep").mkdir(parents=True)
    (root / "a.txt").write_text("hello daemon\n")
    (root / "sub" / "b.bin").write_bytes(bytes(range(256)) * 300)
    (root / "sub" / "deep" / "c").write_text("c" * 5000)
    (root / "exec.sh").write_text("#!/bin/sh\n")
    os.chmod(root / "exec.sh", 0o755)
    os.symlink("a.txt", root / "link")
    for p in sorted(root.rglob("*")):
        os.utime(p, (1_600_000_000, 1_600_000_000), follow_symlinks=False)
    os.utime(root, (1_600_000_000, 1_600_000_000))


@pytest.fixture(scope="module")
def world(tmp_path_factory, crsync, peers):
    """Module directories and a config shared by every daemon."""
    base = tmp_path_factory.mktemp("daemon")
    make_source(base / "src")
    secrets = base / "secrets"
    secrets.write_text(f"alice:{PASSWORD}\nbob:{PASSWORD}\n")
    os.chmod(secrets, 0o600)
    loose = base / "secrets-loose"
    loose.write_text(f"alice:{PASSWORD}\n")
    os.chmod(loose, 0o644)
    motd = base / "motd"
    motd.write_text("Welcome to the test daemon\nsecond line\n")
    return {"base": base, "secrets": secrets, "loose": loose, "motd": motd,
            "crsync": crsync, "peers": peers}


def modules(world, up_dir, extra=None):
    base = world["base"]
    m = {
        "src": {"path": base / "src", "comment": "the source tree"},
        "up": {"path": up_dir, "read only": "no"},
        "wo": {"path": up_dir, "read only": "no", "write only": "yes"},
        "hidden": {"path": base / "src", "list": "no"},
        "auth": {"path": base / "src", "auth users": "alice, bob:deny",
                 "secrets file": world["secrets"]},
        "authro": {"path": up_dir, "read only": "no", "auth users": "alice:ro",
                   "secrets file": world["secrets"]},
        "loose": {"path": base / "src", "auth users": "alice", "secrets file": world["loose"]},
        "refuse": {"path": up_dir, "read only": "no", "refuse options": "delete c"},
        "nopath": {"path": base / "does-not-exist"},
        "deny": {"path": base / "src", "hosts deny": "127.0.0.0/8"},
        "allow": {"path": base / "src", "hosts allow": "10.0.0.0/8 ::1"},
        "allowlo": {"path": base / "src", "hosts allow": "127.0.0.1/32"},
        "chrooted": {"path": base / "src", "use chroot": "yes"},
    }
    m.update(extra or {})
    return m


def run_cell(world, tmp, daemon_bin, client_bin, direction, proto, opts=("-av",),
             module="src", tag="x"):
    """One transfer through a fresh daemon; returns (rc, stdout, stderr, tree)."""
    work = Path(tmp) / tag
    up = work / "up"
    dst = work / "dst"
    up.mkdir(parents=True)
    dst.mkdir()
    with Daemon(daemon_bin, work / "d", modules(world, up), {"motd file": world["motd"]}) as d:
        argv = [*opts, f"--protocol={proto}"]
        if direction == "pull":
            argv += [d.url(f"{module}/"), f"{dst}/"]
            target = dst
        else:
            argv += [f"{world['base']}/src/", d.url("up/" if module == "src" else f"{module}/")]
            target = up
        rc, out, err = run_client(client_bin, argv)
    return rc, normalise(out), normalise(err), tree.snapshot(target)


def compare(ours, ref):
    assert ours[0] == ref[0], f"exit code {ours[0]} != upstream's {ref[0]}\n{ours[2]}\n---\n{ref[2]}"
    assert ours[1] == ref[1], f"stdout differs:\n{ours[1]}\n--- upstream:\n{ref[1]}"
    assert ours[2] == ref[2], f"stderr differs:\n{ours[2]}\n--- upstream:\n{ref[2]}"
    assert tree.differences(ours[3], ref[3]) == []


# ---- transfers: push and pull at every protocol ----

# A receiving crsync server below 29 prints its -v lines in file-list order,
# where upstream's generator names directories and symlinks first and its
# receiver the files after them (and shows a munged symlink's stored
# target): a divergence of the receiving side, not of the daemon (it shows
# over a remote shell too).
P28_RECEIVER = "crsync's p28 receiving server orders its -v lines by file list (upstream: " \
               "generator's dirs/symlinks first, then files) and shows the unmunged target"


def cell_param(peer, direction, proto):
    marks = []
    if direction == "push" and proto == 28:
        marks.append(pytest.mark.xfail(strict=True, reason=P28_RECEIVER))
    return pytest.param(peer, direction, proto, marks=marks, id=f"{peer}-{direction}-p{proto}")


TRANSFER_CELLS = [cell_param(peer, direction, proto) for peer in ("3.5.0", "3.2.7")
                  for direction in ("pull", "push") for proto in PROTOCOLS]


@pytest.mark.parametrize("peer,direction,proto", TRANSFER_CELLS)
def test_upstream_client_against_crsync_daemon(world, tmp_path, peer, direction, proto):
    upstream = world["peers"][peer]
    ref_daemon = world["peers"]["3.5.0"]
    ours = run_cell(world, tmp_path, world["crsync"], upstream, direction, proto, tag="ours")
    ref = run_cell(world, tmp_path, ref_daemon, upstream, direction, proto, tag="ref")
    assert ref[0] == 0, ref[2]
    compare(ours, ref)


@pytest.mark.parametrize("direction,proto", [(d, p) for d in ("pull", "push") for p in PROTOCOLS])
def test_crsync_client_against_upstream_daemon(world, tmp_path, direction, proto):
    upstream = world["peers"]["3.5.0"]
    ours = run_cell(world, tmp_path, upstream, world["crsync"], direction, proto, tag="ours")
    ref = run_cell(world, tmp_path, upstream, upstream, direction, proto, tag="ref")
    assert ref[0] == 0, ref[2]
    compare(ours, ref)


# ---- module verdicts: the same client against each daemon ----

def verdict(world, tmp, daemon_bin, client_bin, argv_of, env=None, tag="x", extra=None):
    work = Path(tmp) / tag
    up = work / "up"
    up.mkdir(parents=True)
    with Daemon(daemon_bin, work / "d", modules(world, up, extra),
                {"motd file": world["motd"]}) as d:
        rc, out, err = run_client(client_bin, argv_of(d, work), env=env)
    return rc, normalise(out), normalise(err), tree.snapshot(up)


def src(world):
    return f"{world['base']}/src/"


VERDICTS = {
    "listing": (lambda w, d, t: [d.url()], None),
    "listing-no-motd": (lambda w, d, t: ["--no-motd", d.url()], None),
    "unknown-module": (lambda w, d, t: ["-a", d.url("nosuch/"), f"{t}/dst"], None),
    "unlisted-module-pull": (lambda w, d, t: ["-a", d.url("hidden/"), f"{t}/dst"], None),
    "read-only-push": (lambda w, d, t: ["-a", src(w), d.url("src/")], None),
    "write-only-pull": (lambda w, d, t: ["-a", d.url("wo/"), f"{t}/dst"], None),
    "write-only-push": (lambda w, d, t: ["-a", src(w), d.url("wo/")], None),
    "refused-delete": (lambda w, d, t: ["-a", "--delete", src(w), d.url("refuse/")], None),
    "refused-checksum": (lambda w, d, t: ["-ac", src(w), d.url("refuse/")], None),
    "refuse-allows-others": (lambda w, d, t: ["-a", src(w), d.url("refuse/")], None),
    # Options that name paths are confined to the module too (argument
    # injection through a real client).
    "injected-files-from-outside": (lambda w, d, t: ["-a", "--files-from=:/etc/hostname",
                                                     d.url("src/"), f"{t}/dst"], None),
    "injected-temp-dir-outside": (lambda w, d, t: ["-a", f"--temp-dir={t}/outside-tmp",
                                                   src(w), d.url("up/")], None),
    "injected-backup-dir-outside": (lambda w, d, t: ["-a", "-b", "--delete",
                                                     f"--backup-dir={t}/outside-bak",
                                                     src(w), d.url("up/")], None),
    "injected-partial-dir-outside": (lambda w, d, t: ["-a", "--delay-updates",
                                                      f"--partial-dir={t}/outside-tmp",
                                                      src(w), d.url("up/")], None),
    # Wildcards in the module paths are expanded by the daemon.
    # (into the existing cell directory: no "created directory" line)
    "wildcard-pull": (lambda w, d, t: ["-av", d.url("src/*.txt"), d.url("src/s?b/d*"),
                                       f"{t}/"], None),
    "wildcard-no-match": (lambda w, d, t: ["-av", d.url("src/*.none"), f"{t}/"], None),
    # A refused pull: the message, then the connection is reset.
    "refused-checksum-pull": (lambda w, d, t: ["-ac", d.url("refuse/"), f"{t}/dst"], None),
    "missing-path": (lambda w, d, t: ["-a", d.url("nopath/"), f"{t}/dst"], None),
    "hosts-deny": (lambda w, d, t: ["-a", d.url("deny/"), f"{t}/dst"], None),
    "hosts-allow-miss": (lambda w, d, t: ["-a", d.url("allow/"), f"{t}/dst"], None),
    "hosts-allow-hit": (lambda w, d, t: ["-a", d.url("allowlo/"), f"{t}/dst"], None),
    "chroot-pull": (lambda w, d, t: ["-a", d.url("chrooted/sub/"), f"{t}/dst"], None),
    "auth-ok": (lambda w, d, t: ["-a", d.url("auth/"), f"{t}/dst"],
                {"RSYNC_PASSWORD": PASSWORD, "USER": "alice"}),
    "auth-bad-password": (lambda w, d, t: ["-a", d.url("auth/"), f"{t}/dst"],
                          {"RSYNC_PASSWORD": "wrong", "USER": "alice"}),
    "auth-denied-user": (lambda w, d, t: ["-a", d.url("auth/"), f"{t}/dst"],
                         {"RSYNC_PASSWORD": PASSWORD, "USER": "bob"}),
    "auth-unknown-user": (lambda w, d, t: ["-a", d.url("auth/"), f"{t}/dst"],
                          {"RSYNC_PASSWORD": PASSWORD, "USER": "carol"}),
    "auth-ro-user-push": (lambda w, d, t: ["-a", src(w), f"rsync://alice@127.0.0.1:{d.port}/authro/"],
                          {"RSYNC_PASSWORD": PASSWORD}),
    "auth-loose-secrets": (lambda w, d, t: ["-a", d.url("loose/"), f"{t}/dst"],
                           {"RSYNC_PASSWORD": PASSWORD, "USER": "alice"}),
    "traversal-by-name": (lambda w, d, t: ["-a", d.url("src/../../../../etc/hostname"),
                                           f"{t}/dst/"], None),
}


# The crsync sender names a missing parent directory in a link_stat error
# where upstream's sender reports its failed change_dir into it: the
# source walker's wording, not the daemon's (nothing outside is read).
WALKER_WORDING = "crsync's sender says link_stat \"etc/hostname\" failed; upstream: change_dir \"etc\""
# A sending daemon that cannot open the --files-from file the client named
# ends with its error trailer and MSG_ERROR_EXIT (exit 1); upstream's dies
# without them and its client reports the lost connection (exit 10).
FILES_FROM_EXIT = "crsync's sending daemon exits 1 with its error trailer after a failed " \
                  "files-from open; upstream's client sees the connection drop (exit 10)"
XFAIL_VERDICTS = {("traversal-by-name", "3.5.0"): WALKER_WORDING,
                  ("injected-files-from-outside", "3.5.0"): FILES_FROM_EXIT}
VERDICT_CELLS = [
    pytest.param(case, client, id=f"{case}-{client}",
                 marks=[pytest.mark.xfail(strict=True, reason=XFAIL_VERDICTS[(case, client)])]
                 if (case, client) in XFAIL_VERDICTS else [])
    for case in sorted(VERDICTS) for client in ("3.5.0", "crsync")]


@pytest.mark.parametrize("case,client", VERDICT_CELLS)
def test_module_verdicts(world, tmp_path, case, client):
    argv_of, env = VERDICTS[case]
    if case.startswith("injected-"):
        for tag in ("ours", "ref"):  # the cells' own outside directories
            (tmp_path / tag / "outside-tmp").mkdir(parents=True)
    upstream = world["peers"]["3.5.0"]
    client_bin = world["crsync"] if client == "crsync" else upstream
    if client == "crsync":
        # The crsync client against an upstream daemon, then upstream's own.
        ours = verdict(world, tmp_path, upstream, client_bin,
                       lambda d, t: argv_of(world, d, t), env, "ours")
        ref = verdict(world, tmp_path, upstream, upstream,
                      lambda d, t: argv_of(world, d, t), env, "ref")
    else:
        ours = verdict(world, tmp_path, world["crsync"], client_bin,
                       lambda d, t: argv_of(world, d, t), env, "ours")
        ref = verdict(world, tmp_path, upstream, client_bin,
                      lambda d, t: argv_of(world, d, t), env, "ref")
    if case.startswith("injected-"):
        # The confined paths in the messages name the cell's own directory.
        ours = (ours[0], ours[1], ours[2].replace("/ours/", "/CELL/"), ours[3])
        ref = (ref[0], ref[1], ref[2].replace("/ref/", "/CELL/"), ref[3])
    compare(ours, ref)
    if case.startswith("injected-"):
        for tag in ("ours", "ref"):
            assert list((tmp_path / tag / "outside-tmp").iterdir()) == []
            assert not (tmp_path / tag / "outside-bak").exists()


# ---- authentication with each digest, by a scripted client ----

DIGESTS = [("@RSYNCD: 32.0 sha512", "sha512"), ("@RSYNCD: 32.0 sha256 md5", "sha256"),
           ("@RSYNCD: 31.0 sha1", "sha1"), ("@RSYNCD: 30.0 md5", "md5"),
           ("@RSYNCD: 32.0 md4", "md4"), ("@RSYNCD: 29.0", "md4-old"),
           ("@RSYNCD: 30.0", "md5")]


@pytest.mark.parametrize("greeting,digest", DIGESTS, ids=[f"{d}-{g[9:13]}" for g, d in DIGESTS])
def test_auth_digest(world, tmp_path, greeting, digest):
    results = {}
    for name, binary in (("crsync", world["crsync"]), ("upstream", world["peers"]["3.5.0"])):
        work = tmp_path / name
        with Daemon(binary, work, modules(world, work / "up")) as d:
            good = authenticate(d.port, "auth", "alice", PASSWORD, greeting, digest)
            bad = authenticate(d.port, "auth", "alice", PASSWORD + "x", greeting, digest)
        results[name] = (good, bad)
    assert results["crsync"][0] == "@RSYNCD: OK"
    assert results["crsync"][1] == "@ERROR: auth failed on module auth"
    assert results["crsync"] == results["upstream"]


# ---- hostile clients against the crsync daemon ----

@pytest.fixture
def hostile(world, tmp_path):
    up = tmp_path / "up"
    up.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("not for clients\n")
    extra = {"lim": {"path": world["base"] / "src", "max connections": "10"}}
    with Daemon(world["crsync"], tmp_path / "d", modules(world, up, extra),
                {"timeout": "3", "listen backlog": "128"}) as d:
        yield d, up, outside, tmp_path


def outside_untouched(outside):
    assert sorted(p.name for p in outside.iterdir()) == ["secret"]
    assert (outside / "secret").read_text() == "not for clients\n"


def test_traversal_by_name_reads_nothing_outside(world, hostile):
    d, up, outside, tmp = hostile
    (up / "x").write_text("x")
    dst = tmp / "dst"
    rel = os.path.relpath(outside, up)
    rc, out, err = run_client(world["peers"]["3.5.0"],
                              ["-a", d.url(f"up/{rel}/secret"), f"{dst}/"])
    assert not (dst / "secret").exists()
    rc, out, err = run_client(world["peers"]["3.5.0"],
                              ["-a", src(world), d.url(f"up/{rel}/")])
    outside_untouched(outside)
    assert (up / "outside" / "a.txt").exists()  # landed inside the module instead


def test_traversal_by_symlink(world, hostile):
    d, up, outside, tmp = hostile
    evil = tmp / "evil"
    evil.mkdir()
    os.symlink(outside, evil / "esc")
    rc, out, err = run_client(world["peers"]["3.5.0"], ["-a", f"{evil}/", d.url("up/")])
    assert rc == 0, err
    # Uploaded symlinks are munged: they lead nowhere.
    assert os.readlink(up / "esc") == f"/rsyncd-munged/{outside}"
    dst = tmp / "dst"
    run_client(world["peers"]["3.5.0"], ["-a", d.url("up/esc/secret"), f"{dst}/"])
    assert not (dst / "secret").exists()
    run_client(world["peers"]["3.5.0"], ["-a", src(world), d.url("up/esc/")])
    outside_untouched(outside)
    # A pull gives the link back as it was uploaded.
    rc, out, err = run_client(world["peers"]["3.5.0"], ["-a", d.url("up/esc"), f"{dst}/"])
    assert rc == 0, err
    assert os.readlink(dst / "esc") == str(outside)


def test_oversized_and_endless_greetings_are_cut_off(hostile):
    d = hostile[0]
    c = TextClient(d.port)
    assert c.line().startswith("@RSYNCD: 32.0 ")
    try:
        c.send(b"@RSYNCD: " + b"9" * 100_000)
    except OSError:
        pass
    start = time.time()
    c.rest()
    assert time.time() - start < 10
    c.close()
    c = TextClient(d.port)
    c.line()
    for _ in range(50):
        try:
            c.send("@RSYNCD: 32.0 md5\n#early_input=99999999\n")
        except OSError:
            break
    assert b"@ERROR: invalid early_input length" in c.rest()
    c.close()
    assert d.alive()
    assert run_client(shutil.which("rsync"), [d.url()])[0] == 0


def test_slow_client_is_cut_off(hostile):
    d = hostile[0]
    c = TextClient(d.port, timeout=20)
    assert c.line().startswith("@RSYNCD:")
    start = time.time()
    c.send("@RSYNCD: 32.0 md5\n")
    for _ in range(10):  # trickle the module name
        try:
            c.send("s")
        except OSError:
            break
        time.sleep(0.5)
    c.rest()
    assert time.time() - start < 12, "the daemon kept a trickling client"
    c.close()
    assert d.alive()


def test_max_connections_holds_under_concurrency(hostile):
    """200 clients at once against `max connections = 10`: ten get in, the
    other 190 get upstream's refusal, and the daemon serves on."""
    d = hostile[0]
    replies = []
    lock = threading.Lock()
    held = []

    def one():
        try:
            c = TextClient(d.port, timeout=15)
            c.line()
            c.send("@RSYNCD: 32.0 md5\nlim\n")
            r = c.line()
        except (OSError, EOFError) as e:
            r = f"error {e}"
            c = None
        with lock:
            replies.append(r)
            if c:
                held.append(c)

    threads = [threading.Thread(target=one) for _ in range(200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok = [r for r in replies if r == "@RSYNCD: OK"]
    full = [r for r in replies if r == "@ERROR: max connections (10) reached -- try again later"]
    others = [r for r in replies if r not in ok and r not in full]
    assert len(ok) == 10, replies
    assert len(full) == 190, others
    for c in held:
        c.close()
    time.sleep(0.5)
    assert d.alive()
    assert run_client(shutil.which("rsync"), [d.url()])[0] == 0


def test_sigterm_stops_cleanly_and_removes_pid_file(world, tmp_path):
    d = Daemon(world["crsync"], tmp_path, {"m": {"path": tmp_path}})
    with d:
        pid_file = tmp_path / "rsyncd.pid"
        assert int(pid_file.read_text()) == d.proc.pid
    assert d.proc.returncode == 0
    assert not pid_file.exists()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", d.port), timeout=1).close()
