"""The ways a client reaches a daemon besides a TCP socket to 127.0.0.1, and
the daemon's process-level options, each against upstream in the same cell:

- `-e RSH host::module`: the daemon protocol over a real ssh connection
  (a private sshd), the remote end started as `RSYNC-PATH --server --daemon .`;
- RSYNC_CONNECT_PROG: the daemon started by the client on a socket pair;
- IPv6 (`[::1]`, `-6`, `-4`);
- the daemon's `--bwlimit` cap, `--sockopts` and pre-/post-xfer exec hooks.

Every cell runs the crsync side and then upstream's in its place, with the
same config, and compares exit code, output and the tree."""
import os
import re
import socket
import time
from pathlib import Path

import pytest

from crsync_harness import tree
from crsync_harness.daemon import Daemon, normalise, run_client, write_conf
from crsync_harness.sshd import Sshd

PASSWORD = "s3cret-pw"


def make_source(root):
    root = Path(root)
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("hello daemon\n")
    (root / "sub" / "b.bin").write_bytes(bytes(range(256)) * 300)
    os.symlink("a.txt", root / "link")
    for p in sorted(root.rglob("*")):
        os.utime(p, (1_600_000_000, 1_600_000_000), follow_symlinks=False)
    os.utime(root, (1_600_000_000, 1_600_000_000))


@pytest.fixture(scope="module")
def world(tmp_path_factory, crsync, peers):
    base = tmp_path_factory.mktemp("dclient")
    make_source(base / "src")
    secrets = base / "secrets"
    secrets.write_text(f"alice:{PASSWORD}\n")
    os.chmod(secrets, 0o600)
    return {"base": base, "secrets": secrets, "crsync": str(crsync),
            "upstream": str(peers["3.5.0"])}


def config(world, work):
    """An rsyncd.conf for one cell, with a writable module in `work`."""
    work = Path(work)
    up = work / "up"
    up.mkdir(parents=True, exist_ok=True)
    conf = work / "rsyncd.conf"
    write_conf(conf, {"use chroot": "no", "uid": "root", "gid": "root",
                      "lock file": work / "rsyncd.lock", "log file": work / "rsyncd.log"},
               {"src": {"path": world["base"] / "src", "comment": "the source"},
                "up": {"path": up, "read only": "no"},
                "auth": {"path": world["base"] / "src", "auth users": "alice",
                         "secrets file": world["secrets"]}})
    return conf, up


def norm(text, work):
    """normalise(), and the cell's own directory named WORK."""
    return normalise(text).replace(str(work), "WORK")


def compare(ours, ref):
    assert ours[0] == ref[0], f"exit code {ours[0]} != upstream's {ref[0]}\n{ours[2]}\n---\n{ref[2]}"
    assert ours[1] == ref[1], f"stdout differs:\n{ours[1]}\n--- upstream:\n{ref[1]}"
    assert ours[2] == ref[2], f"stderr differs:\n{ours[2]}\n--- upstream:\n{ref[2]}"
    assert tree.differences(ours[3], ref[3]) == []


# ---- the daemon over a real ssh connection ----

@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    s = Sshd(tmp_path_factory.mktemp("sshd")).start()
    yield s
    s.stop()


# case: (client arguments given the host prefix H and the cell's work dir, env)
RSH_CASES = {
    "pull": (lambda H, w, t: ["-av", f"{H}::src/", f"{t}/dst/"], None),
    "push": (lambda H, w, t: ["-av", f"{w['base']}/src/", f"{H}::up/"], None),
    "listing": (lambda H, w, t: [f"{H}::"], None),
    "unknown-module": (lambda H, w, t: ["-a", f"{H}::nosuch/", f"{t}/dst/"], None),
    # The daemon user comes from user@host while `-l root` in the shell
    # command keeps the ssh login (upstream's dash_l_set rule).
    "auth-ok": (lambda H, w, t: ["-a", f"alice@{H}::auth/", f"{t}/dst/"],
                {"RSYNC_PASSWORD": PASSWORD}),
    "auth-bad": (lambda H, w, t: ["-a", f"alice@{H}::auth/", f"{t}/dst/"],
                 {"RSYNC_PASSWORD": "wrong"}),
    "url-form": (lambda H, w, t: ["-a", f"rsync://{H}/src/sub/", f"{t}/dst/"], None),
}


def rsh_cell(world, sshd, tmp, client, server, case, proto, tag):
    work = Path(tmp) / tag
    conf, up = config(world, work)
    argv_of, env = RSH_CASES[case]
    argv = ["-e", sshd.rsh() + " -l root", f"--rsync-path={server} --config={conf}",
            f"--protocol={proto}", *argv_of("127.0.0.1", world, work)]
    rc, out, err = run_client(client, argv, env=env)
    target = up if case == "push" else work / "dst"
    return rc, norm(out, work), norm(err, work), tree.snapshot(target) if target.exists() else {}


@pytest.mark.parametrize("case,proto", [(c, 32) for c in sorted(RSH_CASES)] +
                         [("pull", 29), ("push", 29)])
@pytest.mark.parametrize("ours", ["client", "server"])
def test_daemon_over_ssh(world, sshd, tmp_path, ours, case, proto):
    up = world["upstream"]
    if ours == "client":
        mine = rsh_cell(world, sshd, tmp_path, world["crsync"], up, case, proto, "ours")
    else:
        mine = rsh_cell(world, sshd, tmp_path, up, world["crsync"], case, proto, "ours")
    ref = rsh_cell(world, sshd, tmp_path, up, up, case, proto, "ref")
    if case in ("pull", "push", "listing", "auth-ok", "url-form"):
        assert ref[0] == 0, ref[2]
    else:
        assert ref[0] != 0
    compare(mine, ref)


def test_daemon_over_ssh_is_not_a_plain_remote_shell(world, sshd, tmp_path):
    """host::module with -e runs `--server --daemon`: the module's path is
    served, not a directory named like the module in the login's cwd."""
    conf, _ = config(world, tmp_path)
    rc, out, err = run_client(world["crsync"], [
        "-e", sshd.rsh(), f"--rsync-path={world['crsync']} --config={conf}",
        "--list-only", "127.0.0.1::src/sub/"])
    assert rc == 0, err
    assert out.splitlines()[-1].endswith(" b.bin")


# ---- RSYNC_CONNECT_PROG ----

CONNECT_CASES = {
    "pull": lambda t: ["-av", "myhost::src/", f"{t}/dst/"],
    "listing": lambda t: ["myhost::"],
    "url-form": lambda t: ["-a", "rsync://myhost/src/sub/", f"{t}/dst/"],
    "other-host": lambda t: ["-a", "otherhost::src/", f"{t}/dst/"],
}


def connect_cell(world, tmp, client, server, case, tag):
    work = Path(tmp) / tag
    conf, _ = config(world, work)
    # %H is the host of the daemon argument and %% a percent sign: the
    # program starts no daemon for any host but myhost (it lingers long
    # enough for the client's greeting to arrive unread, so the client
    # deterministically sees the connection reset, as upstream's would).
    prog = (f"test %H = myhost || exec sleep 0.3; "
            f"test 100%% = 100% && exec {server} --daemon --config={conf}")
    rc, out, err = run_client(client, CONNECT_CASES[case](work),
                              env={"RSYNC_CONNECT_PROG": prog})
    dst = work / "dst"
    return rc, norm(out, work), norm(err, work), tree.snapshot(dst) if dst.exists() else {}


@pytest.mark.parametrize("case", sorted(CONNECT_CASES))
@pytest.mark.parametrize("ours", ["client", "server"])
def test_rsync_connect_prog(world, tmp_path, ours, case):
    up = world["upstream"]
    if ours == "client":
        mine = connect_cell(world, tmp_path, world["crsync"], up, case, "ours")
    else:
        mine = connect_cell(world, tmp_path, up, world["crsync"], case, "ours")
    ref = connect_cell(world, tmp_path, up, up, case, "ref")
    assert (ref[0] == 0) == (case != "other-host"), ref[2]
    compare(mine, ref)


# ---- IPv6 ----

V6_CASES = {
    "pull": lambda p, t: ["-av", f"rsync://[::1]:{p}/six/", f"{t}/dst/"],
    "listing": lambda p, t: [f"rsync://[::1]:{p}/"],
    "dash-6": lambda p, t: ["-6", "-a", f"rsync://[::1]:{p}/six/", f"{t}/dst/"],
    # Forcing IPv4 for an IPv6 address finds nothing to connect to.
    "dash-4-refused": lambda p, t: ["-4", "-a", f"rsync://[::1]:{p}/six/", f"{t}/dst/"],
    # hosts allow names the IPv6 loopback; denying 127.0.0.1 is no obstacle.
    "hosts": lambda p, t: ["-a", f"rsync://[::1]:{p}/hosts/", f"{t}/dst/"],
}


def v6_cell(world, tmp, daemon_bin, client, case, tag):
    work = Path(tmp) / tag
    src = world["base"] / "src"
    mods = {"six": {"path": src, "comment": "over IPv6"},
            "hosts": {"path": src, "hosts allow": "::1/128", "hosts deny": "127.0.0.1"}}
    with Daemon(daemon_bin, work / "d", mods, address="::1") as d:
        rc, out, err = run_client(client, V6_CASES[case](d.port, work))
    out, err = norm(out, work), norm(err, work)
    err = err.replace(f":{d.port}", ":PORT").replace(f" {d.port}", " PORT")
    dst = work / "dst"
    return rc, out, err, tree.snapshot(dst) if dst.exists() else {}


@pytest.mark.parametrize("case", sorted(V6_CASES))
@pytest.mark.parametrize("ours", ["client", "daemon"])
def test_ipv6(world, tmp_path, ours, case):
    up = world["upstream"]
    if ours == "client":
        mine = v6_cell(world, tmp_path, up, world["crsync"], case, "ours")
    else:
        mine = v6_cell(world, tmp_path, world["crsync"], up, case, "ours")
    ref = v6_cell(world, tmp_path, up, up, case, "ref")
    assert (ref[0] == 0) == (case != "dash-4-refused"), ref[2]
    compare(mine, ref)


# ---- the daemon's --bwlimit and --sockopts ----

def test_daemon_bwlimit_caps_the_client(world, tmp_path):
    """--bwlimit=100 (KiB/s) on the daemon: a 300 KiB pull cannot finish in
    under two seconds even when the client asks for a higher limit. (Only a
    lower bound: the cap is what is checked, not the machine's speed.)"""
    src = tmp_path / "big"
    src.mkdir()
    (src / "f").write_bytes(os.urandom(300 * 1024))
    for binary in (world["crsync"], world["upstream"]):
        work = tmp_path / Path(binary).name
        with Daemon(binary, work, {"big": {"path": src}}, args=["--bwlimit=100"]) as dd:
            start = time.time()
            rc, out, err = run_client(world["upstream"], ["-a", "--bwlimit=100000",
                                                          dd.url("big/"), f"{work}/dst/"])
            took = time.time() - start
        assert rc == 0, err
        assert (work / "dst" / "f").read_bytes() == (src / "f").read_bytes()
        assert took >= 2.0, f"{binary}: 300 KiB in {took:.2f}s despite --bwlimit=100"


@pytest.mark.parametrize("opts", ["SO_KEEPALIVE,TCP_NODELAY SO_RCVBUF=65536",
                                  "NO_SUCH_OPTION", "IPTOS_LOWDELAY=1"])
def test_daemon_sockopts(world, tmp_path, opts):
    """The daemon's --sockopts: the same complaints as upstream's in the
    daemon log, and the daemon serves either way."""
    results = {}
    for name, binary in (("ours", world["crsync"]), ("ref", world["upstream"])):
        work = tmp_path / name
        with Daemon(binary, work, {"src": {"path": world["base"] / "src"}},
                    args=[f"--sockopts={opts}"]) as dd:
            rc, out, err = run_client(world["upstream"], ["-a", dd.url("src/"), f"{work}/dst/"])
        # "YYYY/MM/DD hh:mm:ss [pid] text": the text of the socket lines.
        log = [line.split("] ", 1)[1] for line in dd.log.read_text().splitlines()
               if "socket option" in line or "does not take a value" in line]
        results[name] = (rc, log, tree.snapshot(work / "dst"))
    assert results["ours"][0] == 0
    assert results["ours"][:2] == results["ref"][:2]
    assert tree.differences(results["ours"][2], results["ref"][2]) == []


# ---- pre-xfer and post-xfer exec ----

HOOK = """#!/bin/sh
env | grep '^RSYNC_' | grep -v '^RSYNC_PID=' | sort > "{out}.$1"
exit {status}
"""


def hook_cell(world, tmp, daemon_bin, pre_status, direction, tag):
    work = Path(tmp) / tag
    work.mkdir(parents=True)
    up = work / "up"
    up.mkdir()
    hook = work / "hook.sh"
    hook.write_text(HOOK.format(out=work / "env", status=pre_status))
    hook.chmod(0o755)
    mods = {"m": {"path": up if direction == "push" else world["base"] / "src",
                  "read only": "no",
                  "pre-xfer exec": f"{hook} pre", "post-xfer exec": f"{hook} post"}}
    with Daemon(daemon_bin, work / "d", mods) as d:
        argv = ["-a", "--protocol=31"]
        argv += ([f"{world['base']}/src/", d.url("m/")] if direction == "push"
                 else [d.url("m/sub"), f"{work}/dst/"])
        rc, out, err = run_client(world["upstream"], argv)
        time.sleep(0.3)  # the post-xfer hook runs after the client saw the end
    envs = {}
    for phase in ("pre", "post"):
        f = work / f"env.{phase}"
        text = f.read_text() if f.exists() else None
        if text is not None:
            text = text.replace(str(work), "WORK").replace(f":{d.port}", ":PORT")
        envs[phase] = text
    return rc, norm(out, work), norm(err, work), envs


@pytest.mark.parametrize("direction", ["pull", "push"])
@pytest.mark.parametrize("pre_status", [0, 3])
def test_xfer_exec_hooks(world, tmp_path, pre_status, direction):
    """The hooks see the same RSYNC_* environment as upstream's (module,
    path, host, request, arguments, then the exit status), and a failing
    pre-xfer exec refuses the transfer with upstream's error and code."""
    ours = hook_cell(world, tmp_path, world["crsync"], pre_status, direction, "ours")
    ref = hook_cell(world, tmp_path, world["upstream"], pre_status, direction, "ref")
    assert ref[3]["pre"] and "RSYNC_MODULE_NAME=m" in ref[3]["pre"]
    assert ours[:3] == ref[:3], f"{ours[:3]}\n--- upstream:\n{ref[:3]}"
    assert ours[3]["pre"] == ref[3]["pre"]
    assert ours[3]["post"] == ref[3]["post"]


# ---- the daemon's --log-file-format ----

@pytest.mark.parametrize("direction", ["pull", "push"])
def test_daemon_log_file_format(world, tmp_path, direction):
    """--log-file-format logs every file with that format even though the
    module has no "transfer logging" (upstream's logfile_format)."""
    results = {}
    for name, binary in (("ours", world["crsync"]), ("ref", world["upstream"])):
        work = tmp_path / name
        up = work / "up"
        up.mkdir(parents=True)
        # (The module's own "log file": once a module is chosen, upstream
        # logs there and not to --log-file.)
        mods = {"m": {"path": up if direction == "push" else world["base"] / "src",
                      "read only": "no", "log file": work / "d" / "rsyncd.log"}}
        with Daemon(binary, work / "d", mods,
                    args=["--log-file-format=%o [%m] %f %l %b"]) as dd:
            argv = (["-a", f"{world['base']}/src/", dd.url("m/")] if direction == "push"
                    else ["-a", dd.url("m/"), f"{work}/dst/"])
            rc, out, err = run_client(world["upstream"], argv)
        lines = sorted(line.split("] ", 1)[1].replace(str(work), "WORK")
                       for line in dd.log.read_text().splitlines()
                       if " [m] " in line)
        results[name] = (rc, lines)
    assert results["ref"][0] == 0
    assert results["ref"][1], "upstream logged no file"
    assert results["ours"] == results["ref"]


# ---- "dont compress" ----

_RECEIVED = re.compile(r"Total bytes received: ([\d,]+)")


@pytest.mark.parametrize("proto", [32, 29])
@pytest.mark.parametrize("dont", ["*", "*.gz *.zip"])
def test_dont_compress(world, tmp_path, dont, proto):
    """upstream 3.4.1 honours "dont compress" only as a lone "*" (its
    per-file switch is compiled out): a sending daemon's deflate then
    stores. 1 MiB of zeros pulled with -z: stored it is about 1 MiB on the
    wire, compressed a few KiB; crsync's daemon must land on the same side
    as upstream's, with the same file."""
    src = tmp_path / "zeros"
    src.mkdir()
    (src / "z.gz").write_bytes(b"\0" * (1 << 20))
    got = {}
    for name, binary in (("ours", world["crsync"]), ("ref", world["upstream"])):
        work = tmp_path / name
        with Daemon(binary, work / "d", {"m": {"path": src, "dont compress": dont}}) as d:
            rc, out, err = run_client(world["upstream"], [
                "-a", "-z", "--compress-choice=zlib", "--stats", f"--protocol={proto}",
                d.url("m/"), f"{work}/dst/"])
        assert rc == 0, err
        assert (work / "dst" / "z.gz").read_bytes() == b"\0" * (1 << 20)
        got[name] = int(_RECEIVED.search(out).group(1).replace(",", ""))
    stored = dont == "*"
    for name, n in got.items():
        assert (n > 1 << 20) == stored, f"{name}: {n} bytes received with dont compress={dont}"


# ---- syslog facility and tag ----

@pytest.fixture
def dev_log():
    """A datagram socket at /dev/log standing in for the syslog daemon (the
    test machine has none): it receives what the daemons send to syslog."""
    path = "/dev/log"
    assert not os.path.exists(path), "/dev/log is taken: this test needs to listen there"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(0.3)
    yield s
    s.close()
    os.unlink(path)


_SYSLOG = re.compile(r"^<(\d+)>\w{3} [ \d]\d \d\d:\d\d:\d\d ([^\[:]+)\[\d+\]: (.*)$")


def drain(sock):
    lines = []
    while True:
        try:
            lines.append(sock.recv(65536).decode(errors="replace").rstrip("\n\0"))
        except socket.timeout:
            return lines


def test_syslog_facility_and_tag(world, tmp_path, dev_log):
    """Without a log file the daemon logs to syslog under the global tag and
    facility, and under the module's own once the module is chosen (upstream
    log_init(1)): the same priority, tag and text as upstream's daemon."""
    got = {}
    for name, binary in (("ours", world["crsync"]), ("ref", world["upstream"])):
        work = tmp_path / name
        # No log file anywhere: not in the config, no --log-file.
        with Daemon(binary, work / "d",
                    {"m": {"path": world["base"] / "src", "syslog facility": "local5",
                           "syslog tag": "modtag"}},
                    {"syslog facility": "local3", "syslog tag": "gtag"}, log_file=False) as dd:
            drain(dev_log)
            rc, out, err = run_client(world["upstream"], ["-a", dd.url("m/"), f"{work}/dst/"])
            assert rc == 0, err
            time.sleep(0.3)
        seen = []
        for line in drain(dev_log):
            m = _SYSLOG.match(line)
            assert m, line
            text = m.group(3).replace(str(work), "WORK")
            if "connect from" in text or text.startswith("rsync on"):
                seen.append((int(m.group(1)), m.group(2), text))
        got[name] = sorted(seen)
    assert got["ref"], "upstream logged nothing to syslog"
    assert {p for p, _, _ in got["ref"]} == {(19 << 3) | 6, (21 << 3) | 6}  # local3, local5 info
    assert got["ours"] == got["ref"]
