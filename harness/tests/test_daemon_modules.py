"""Module parameters that change what a daemon transfers (issue 4): the
daemon filter list ("filter", "include", "exclude", "include from",
"exclude from"), "incoming chmod" / "outgoing chmod", "ignore
nonreadable" and "charset". Real upstream clients (3.5.0, 3.2.7) against
a crsync daemon, compared with the same client against upstream's daemon
(3.5.0) serving the same rsyncd.conf, in the same cell: exit code, stdout,
stderr, the resulting tree and the daemon log's lines about the module."""
import os
import re
from pathlib import Path

import pytest

from crsync_harness import tree
from crsync_harness.daemon import Daemon, normalise, run_client

PEERS = ("3.5.0", "3.2.7")
PROTOCOLS = (32, 29)
STAMP = 1_600_000_000


def make_tree(root, extra=()):
    """The tree a module serves or a client pushes."""
    root = Path(root)
    for rel, data in [("a.txt", "a\n"), ("top.txt", "top\n"), ("x.key", "key\n"),
                      ("secret/s.txt", "s\n"), ("secret/deep/d.txt", "d\n"),
                      ("pub/b.txt", "b" * 3000), ("pub/top.txt", "pub top\n"),
                      ("pub/y.tmp", "tmp\n"), ("pub/keep.tmp", "kept\n"), *extra]:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(data)
    os.chmod(root / "a.txt", 0o664)
    os.chmod(root / "pub" / "b.txt", 0o755)
    for p in sorted(root.rglob("*"), reverse=True):
        os.utime(p, (STAMP, STAMP), follow_symlinks=False)
    os.utime(root, (STAMP, STAMP))


FILTERS = {
    # "secret/" also hides what is below it; "/top.txt" is the module's
    # top.txt only; "filter" rules come first, so keep.tmp stays.
    "exclude": "secret/ *.key /top.txt",
    "filter": "+ keep.tmp - *.tmp",
}


def modules(base, up):
    inc = base / "include.rules"
    exc = base / "exclude.rules"
    inc.write_text("# comment\nsecret/deep/\n")
    exc.write_text("secret/\n")
    mlog = up.parent / "module.log"
    return {
        "filt": {"path": base / "src", **FILTERS},
        "filtup": {"path": up, "read only": "no", **FILTERS},
        "fromfiles": {"path": base / "src", "include from": inc, "exclude from": exc,
                      "exclude": "*.key"},
        "hide": {"path": base / "src", "filter": "H a.txt P pub/"},
        "hideup": {"path": up, "read only": "no", "filter": "H a.txt P pub/"},
        "chm": {"path": base / "src", "outgoing chmod": "Fgo-r,Dg-x", "charset": "utf-8"},
        "chmup": {"path": up, "read only": "no", "incoming chmod": "Fo-rwx,Fu+x,Dg-w"},
        "badinc": {"path": base / "src", "include from": base / "no-such-file"},
        # A module's own "log file" takes over from --log-file once the
        # module is chosen (without one upstream logs to syslog).
        "xlog": {"path": base / "src", "transfer logging": "yes", "log file": mlog},
        "xlogup": {"path": up, "read only": "no", "transfer logging": "yes", "log file": mlog,
                   "log format": "%o %i %n%L %l %B %m [%-12a] %P"},
        "quiet": {"path": up, "read only": "no", "max verbosity": "0"},
        "noatime": {"path": base / "src", "open noatime": "yes", "ignore nonreadable": "yes"},
    }


def log_lines(path):
    """The daemon log's lines about the module's parameters, without the
    time stamp and pid."""
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        return []
    keep = re.compile(r"refused|excluded|chmod|clude file|charset|^(send|recv|del\.) ")
    out = []
    for line in text.splitlines():
        line = re.sub(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[\d+\] ", "", line)
        if keep.search(line):
            out.append(line)
    # The generator's deletions and the receiver's files are logged by two
    # processes (two threads in crsync): their interleaving is a race.
    return sorted(out)


def snapshot(root):
    """The tree, with the times the transfer itself gave (a directory made
    and left without its sender's time) shown as "now"."""
    snap = tree.snapshot(root)
    for entry in snap.values():
        if entry["mtime_ns"] > (STAMP + 86400) * 10**9:
            entry["mtime_ns"] = "now"
    return snap


# The byte count of "connection unexpectedly closed" includes the error
# lines' " at FILE(LINE) [who=version]" tails, which name each build's own
# source (normalise() drops them from the text already).
_BYTES_SO_FAR = re.compile(r"\(\d+ bytes received so far\)")


def run(base, tmp, daemon_bin, client_bin, argv_of, tag, prepare=None):
    work = Path(tmp) / tag
    up = work / "up"
    dst = work / "dst"
    up.mkdir(parents=True)
    dst.mkdir()
    if prepare:
        prepare(up, dst)
    with Daemon(daemon_bin, work / "d", modules(base, up)) as d:
        rc, out, err = run_client(client_bin, argv_of(d, work))
    err = _BYTES_SO_FAR.sub("(N bytes received so far)", normalise(err))
    return (rc, normalise(out), err,
            {"up": snapshot(up), "dst": snapshot(dst)},
            log_lines(d.log) + log_lines(work / "module.log"))


def compare(ours, ref):
    assert ours[0] == ref[0], f"exit code {ours[0]} != upstream's {ref[0]}\n{ours[2]}\n---\n{ref[2]}"
    assert ours[1] == ref[1], f"stdout differs:\n{ours[1]}\n--- upstream:\n{ref[1]}"
    assert ours[2] == ref[2], f"stderr differs:\n{ours[2]}\n--- upstream:\n{ref[2]}"
    for k in ("up", "dst"):
        assert tree.differences(ours[3][k], ref[3][k]) == [], k
    assert ours[4] == ref[4], f"daemon log differs:\n{ours[4]}\n--- upstream:\n{ref[4]}"


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    b = tmp_path_factory.mktemp("dmod")
    make_tree(b / "src")
    make_tree(b / "push", [("more/x.key", "k2\n"), ("secret.txt", "not a dir\n")])
    return b


def stale(up, dst):
    """Files already in the module before a push: excluded ones must survive --delete."""
    make_tree(up, [("old.key", "old\n"), ("gone.txt", "extra\n"), ("secret/old.txt", "o\n")])


# case -> (argv_of(base, daemon, workdir), prepare)
CASES = {
    "pull-filtered": (lambda b, d, w: ["-av", d.url("filt/"), f"{w}/dst/"], None),
    "pull-filtered-sub": (lambda b, d, w: ["-av", d.url("filt/pub/"), f"{w}/dst/"], None),
    "pull-excluded-dir": (lambda b, d, w: ["-av", d.url("filt/secret/"), f"{w}/dst/"], None),
    "pull-excluded-file": (lambda b, d, w: ["-av", d.url("filt/x.key"), f"{w}/dst/"], None),
    "pull-excluded-top": (lambda b, d, w: ["-av", d.url("filt/top.txt"), f"{w}/dst/"], None),
    "pull-client-include-cannot-override": (
        lambda b, d, w: ["-av", "--include=*.key", "--include=secret/***", d.url("filt/"),
                         f"{w}/dst/"], None),
    "pull-from-files": (lambda b, d, w: ["-av", d.url("fromfiles/"), f"{w}/dst/"], None),
    # Wildcards never match what the module hides ("secret/", "*.key").
    "pull-wildcards-skip-excluded": (lambda b, d, w: ["-av", d.url("filt/s*"), d.url("filt/*.k?y"),
                                                      d.url("filt/[ap]*"), f"{w}/dst/"], None),
    "pull-hide-rules": (lambda b, d, w: ["-av", d.url("hide/"), f"{w}/dst/"], None),
    "pull-outgoing-chmod": (lambda b, d, w: ["-av", d.url("chm/"), f"{w}/dst/"], None),
    "pull-missing-include-file": (lambda b, d, w: ["-av", d.url("badinc/"), f"{w}/dst/"], None),
    "push-filtered": (lambda b, d, w: ["-av", f"{b}/push/", d.url("filtup/")], None),
    "push-filtered-delete": (lambda b, d, w: ["-av", "--delete", f"{b}/push/", d.url("filtup/")],
                             stale),
    "push-excluded-dest": (lambda b, d, w: ["-av", f"{b}/push/a.txt", d.url("filtup/x.key")],
                           None),
    "push-excluded-dest-dir": (lambda b, d, w: ["-av", f"{b}/push/", d.url("filtup/secret/")],
                               None),
    "push-temp-dir-rejected": (lambda b, d, w: ["-av", "--temp-dir=secret", f"{b}/push/pub/",
                                                d.url("filtup/")], None),
    "push-backup-dir-rejected": (lambda b, d, w: ["-av", "--backup-dir=/secret/bak",
                                                  f"{b}/push/pub/", d.url("filtup/")], None),
    "push-protect-rules-delete": (
        lambda b, d, w: ["-av", "--delete", f"{b}/push/secret/", d.url("hideup/")], stale),
    "push-incoming-chmod": (lambda b, d, w: ["-av", f"{b}/push/", d.url("chmup/")], None),
    "pull-transfer-log": (lambda b, d, w: ["-a", d.url("xlog/"), f"{w}/dst/"], None),
    "pull-transfer-log-sub": (lambda b, d, w: ["-a", d.url("xlog/pub"), f"{w}/dst/"], None),
    "push-transfer-log-delete": (lambda b, d, w: ["-a", "--delete", f"{b}/push/pub/",
                                                  d.url("xlogup/pub/")], stale),
    "push-max-verbosity": (lambda b, d, w: ["-av", "--info=name2,skip2,misc2",
                                            f"{b}/push/", d.url("quiet/")], stale),
    "pull-max-verbosity-default": (lambda b, d, w: ["-av", "--info=name2,skip2,misc2,flist2",
                                                     d.url("filt/pub/"), f"{w}/dst/"],
                                   None),
    "pull-open-noatime": (lambda b, d, w: ["-av", d.url("noatime/"), f"{w}/dst/"], None),
    "push-incoming-chmod-no-perms": (lambda b, d, w: ["-rtv", f"{b}/push/", d.url("chmup/")],
                                     stale),
}


# A session a daemon refuses before it starts (refused options, pre-xfer
# exec, and these rejected directories) ends, below protocol 30, with the
# pushing client reading EOF (exit 12) where upstream's daemon leaves it a
# connection reset (exit 10): the daemon's fatal-verdict path, the same
# for "refuse options" today.
REFUSED_BELOW_30 = "crsync's refused session below 30 ends in EOF (12), upstream's in a reset (10)"


def cell(case, peer, proto):
    marks = []
    if case.endswith("-rejected") and proto < 30:
        marks.append(pytest.mark.xfail(strict=True, reason=REFUSED_BELOW_30))
    return pytest.param(case, peer, proto, id=f"{case}-{peer}-p{proto}", marks=marks)


CELLS = [cell(case, peer, proto) for case in CASES for peer in PEERS for proto in PROTOCOLS]


@pytest.mark.parametrize("case,peer,proto", CELLS)
def test_module_parameter(base, tmp_path, crsync, peers, case, peer, proto):
    argv_of, prepare = CASES[case]
    client = peers[peer]
    ref_daemon = peers["3.5.0"]

    def argv(d, w):
        return [f"--protocol={proto}", *argv_of(base, d, w)]

    ours = run(base, tmp_path, crsync, client, argv, "ours", prepare)
    ref = run(base, tmp_path, ref_daemon, client, argv, "ref", prepare)
    compare(ours, ref)


def test_iconv_is_refused_by_a_charset_module(base, tmp_path, crsync, peers):
    """crsync has no --iconv: a module with "charset" still serves, and a
    client asking for --iconv gets an error (exit 1 or more), never a
    silent transfer without the conversion."""
    client = peers["3.5.0"]
    ok = run(base, tmp_path, crsync, client,
             lambda d, w: ["-a", d.url("chm/a.txt"), f"{w}/dst/"], "plain")
    assert ok[0] == 0, ok[2]
    bad = run(base, tmp_path, crsync, client,
              lambda d, w: ["-a", "--iconv=utf-8,latin1", d.url("chm/a.txt"), f"{w}/dst/"], "iconv")
    assert bad[0] != 0
    assert bad[3]["dst"] == {}
