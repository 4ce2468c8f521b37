"""--link-dest, --copy-dest and --compare-dest against rsync 3.5.0.

Each scenario runs as a local copy and over the remote-shell stand-in
(crsync as client and as server, push and pull, protocols 32 and 29, one
basis directory also at 28) next to the same transfer between upstream and
itself: the destination tree (hard links show as link counts), the basis
directories afterwards, the itemized or -v/-vv output, the warnings and the
exit code must be the same. The fixture has, for every kind of entry, an
exact match in a basis directory (linked, copied or left out), a match that
differs only in its permissions (copied), a changed file (the basis of a
delta transfer with --no-whole-file), a new file, and a destination that
already holds an identical file or a different one. A daemon test checks
that a module's basis directories stay inside it; further tests check the
option errors and what a client asks its server for. --compare-dest with
-H has no upstream reference: rsync 3.5.0 ends remote transfers of it with
exit 2 or hangs, and locally links a left-out member to a transferred one;
test_compare_dest_with_hard_links checks what crsync does. At -vv the lines
are compared as sorted lists, without two lines crsync does not print at
-vv in any transfer (see _VV_GENERIC).
"""
import os
import random
import shutil
import subprocess

import pytest

from crsync_harness import cells as cells_mod
from crsync_harness import daemon as hdaemon
from crsync_harness import interop, tree

pytestmark = pytest.mark.interop

PEER = "3.5.0"
T_SRC = 1700000000
T_OLD = 1600000000

# name -> client options; "{b1}" and "{b2}" are basis directories next to
# the destination (relative to it: "../b1"), "{abs1}" the first one by its
# absolute path.
SCENARIOS = {
    "link-ii": ["-aii", "--link-dest={b1}"],
    "link-i-abs": ["-ai", "--link-dest={abs1}"],
    "link-v": ["-av", "--link-dest={b1}"],
    "link-vv": ["-avv", "--link-dest={b1}"],
    "link-two": ["-aii", "--link-dest={b2}", "--link-dest={b1}"],
    "link-delta": ["-ai", "--no-whole-file", "--link-dest={b1}"],
    "link-checksum": ["-aiic", "--link-dest={b1}"],
    "link-dry-run": ["-naii", "--link-dest={b1}"],
    "link-stats": ["-a", "--stats", "--link-dest={b1}"],
    "link-missing": ["-ai", "--link-dest=../nowhere", "--link-dest={b1}"],
    "copy-ii": ["-aii", "--copy-dest={b1}"],
    "copy-v": ["-av", "--copy-dest={b2}", "--copy-dest={b1}"],
    "copy-delta-inplace": ["-ai", "--inplace", "--no-whole-file", "--copy-dest={b1}"],
    "compare-ii": ["-aii", "--compare-dest={b1}"],
    "compare-vv": ["-avv", "--compare-dest={b1}"],
    # -H: hl-a/hl-b are linked in the source and in b1; hg-a/hg-b in the
    # source, and b1 has only hg-a (the group's first member is found there
    # and leads; the other is linked to it).
    "link-H-ii": ["-aHii", "--link-dest={b1}"],
    "link-H-v": ["-aHv", "--link-dest={b1}"],
    "copy-H-ii": ["-aHii", "--copy-dest={b1}"],
}
SINGLE_DIR = {"link-ii", "copy-ii", "compare-ii", "link-delta"}  # also at protocol 28


def _data(seed, n):
    return random.Random(seed).randbytes(n)


def _write(path, data, mtime=T_SRC, mode=0o644):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.chmod(path, mode)
    os.utime(path, (mtime, mtime))


def _fix_dir_times(root, when=T_SRC):
    for d in sorted([p for p in root.rglob("*") if p.is_dir()] + [root], key=lambda p: -len(p.parts)):
        os.utime(d, (when, when))


def make_fixture(base):
    """src/, b1/ and b2/ (basis directories) and dst/ (partly filled)."""
    src, b1, b2, dst = (base / n for n in ("src", "b1", "b2", "dst"))
    big = _data(1, 200_000)
    files = {
        "same.txt": b"identical everywhere\n",
        "perm.txt": b"same data, other permissions in b1\n",
        "changed.bin": big,
        "new.txt": b"only in the source\n",
        "sub/deep.txt": b"a file one level down\n",
        "sub/inner/more.txt": b"two levels down\n",
        "in-b2.txt": b"only b2 has this one\n",
        "dst-same.txt": b"the destination already has this\n",
        "dst-other.txt": b"the destination has an older one\n",
    }
    for name, data in files.items():
        _write(src / name, data)
    for name in ("hl-a", "hg-a"):
        _write(src / name, b"hard-linked: " + name.encode() + b"\n")
        os.link(src / name, src / (name[:3] + "b"))
        _write(b1 / name, b"hard-linked: " + name.encode() + b"\n")
    os.link(b1 / "hl-a", b1 / "hl-b")
    os.symlink("same.txt", src / "lnk")
    os.symlink("nowhere", src / "lnk-other")
    os.utime(src / "lnk", (T_SRC, T_SRC), follow_symlinks=False)
    os.utime(src / "lnk-other", (T_SRC, T_SRC), follow_symlinks=False)
    (src / "emptydir").mkdir()
    # b1: exact matches, a permission change, a changed big file (a few
    # edits: the delta's basis), a symlink pointing elsewhere.
    for name in ("same.txt", "sub/deep.txt", "sub/inner/more.txt", "dst-same.txt", "dst-other.txt"):
        _write(b1 / name, files[name])
    _write(b1 / "perm.txt", files["perm.txt"], mode=0o600)
    edited = bytearray(big)
    for off in (1000, 90_000, 150_000):
        edited[off:off + 50] = b"x" * 50
    _write(b1 / "changed.bin", bytes(edited), T_OLD)
    os.symlink("same.txt", b1 / "lnk")
    os.symlink("elsewhere", b1 / "lnk-other")
    for link in ("lnk", "lnk-other"):
        os.utime(b1 / link, (T_SRC, T_SRC), follow_symlinks=False)
    (b1 / "emptydir").mkdir()
    # b2: what b1 has for same.txt but older (a weaker match), and a file
    # only it has.
    _write(b2 / "same.txt", files["same.txt"], T_OLD)
    _write(b2 / "in-b2.txt", files["in-b2.txt"])
    # The destination: one identical file (a link-dest replaces it with a
    # link, a compare-dest deletes it), one different.
    _write(dst / "dst-same.txt", files["dst-same.txt"])
    _write(dst / "dst-other.txt", b"an older version\n", T_OLD)
    for d in (src, b1, b2, dst):
        _fix_dir_times(d)


def cells():
    return cells_mod.matrix((name, [32, 29] + ([28] if name in SINGLE_DIR else [])) for name in SCENARIOS)


def run(argv, cwd, env=None, timeout=120):
    p = subprocess.run([str(a) for a in argv], cwd=cwd, capture_output=True, text=True,
                       timeout=timeout, env={**os.environ, "LC_ALL": "C", **(env or {})})
    return p.returncode, p.stdout, p.stderr


def run_one(scenario, direction, role, proto, which, work, crsync, upstream):
    base = work / which
    if base.exists():
        shutil.rmtree(base)
    make_fixture(base)
    src, dst = base / "src", base / "dst"
    opts = [o.replace("{b1}", "../b1").replace("{b2}", "../b2").replace("{abs1}", str(base / "b1"))
            for o in SCENARIOS[scenario]]
    argv = cells_mod.transfer_argv(direction, role, proto, which, crsync, upstream, opts, f"{src}/",
                                   dst, work / "lsh.sh")
    rc, out, err = run(argv, base)
    snaps = [tree.snapshot(base / d) for d in ("dst", "b1", "b2")]
    # Warnings name absolute paths: the run's own directory is masked.
    err = err.replace(str(base), "<base>")
    return rc, out, err, snaps


# Known divergences: cell id -> reason (strict xfails).
KNOWN: dict[str, str] = {}


def cell_param(c):
    return cells_mod.param(c, KNOWN)


# -vv lines this feature does not print and crsync does not yet print at all
# (a generic -vv gap, not one of these options'): the generator's
# "delta-transmission ..." line, the sender's "total: matches=..." line and
# a client's "opening connection using: ..." (which also names the binaries
# and the run's directory).
_VV_GENERIC = ("delta-transmission ", "total: matches=", "opening connection using: ")


def _vv_lines(text):
    """-vv output as a sorted list: the generator's "is uptodate" lines and
    the sender's names come from two processes in upstream (two threads in
    crsync), whose interleaving is not part of the behaviour."""
    return "\n".join(sorted(l for l in text.splitlines() if not l.startswith(_VV_GENERIC)))


def _warnings(err):
    return sorted(l for l in err.splitlines() if " arg does not exist" in l or " arg is not a dir" in l)


@pytest.mark.parametrize("cell", [cell_param(c) for c in cells()])
def test_cell(cell, crsync, peers, tmp_path):
    scenario, direction, role, proto = cell
    if PEER not in peers:
        pytest.fail(f"upstream peer {PEER} is not installed")
    upstream = peers[PEER]
    (tmp_path / "lsh.sh").write_text(interop.LSH)
    (tmp_path / "lsh.sh").chmod(0o755)
    ours = run_one(scenario, direction, role, proto, "ours", tmp_path, crsync, upstream)
    ref = run_one(scenario, direction, role, proto, "reference", tmp_path, crsync, upstream)
    assert ours[0] == ref[0], f"exit code {ours[0]} vs {ref[0]}: {ours[2][-800:]} / {ref[2][-800:]}"
    for i, what in enumerate(("destination", "b1", "b2")):
        diffs = tree.differences(ours[3][i], ref[3][i])
        assert not diffs, f"{what} tree differs from upstream's: {diffs}"
    a, b = interop.normalise_output(ours[1]), interop.normalise_output(ref[1])
    if "vv" in scenario:
        a, b = _vv_lines(a), _vv_lines(b)
    assert a == b, "stdout differs from upstream's:\n" + "\n".join(
        f"- {y}\n+ {x}" for x, y in zip(a.splitlines(), b.splitlines()) if x != y)[:3000] + (
        f"\n(lengths {len(a.splitlines())} vs {len(b.splitlines())})")
    assert _warnings(ours[2]) == _warnings(ref[2])


def test_fixture_exercises_each_case(crsync, peers, tmp_path):
    """In upstream itself: the exact matches are linked, the permission
    change copied, the identical destination file relinked, the changed
    file sent against its basis, and compare-dest leaves matches out."""
    upstream = peers[PEER]
    (tmp_path / "lsh.sh").write_text(interop.LSH)
    (tmp_path / "lsh.sh").chmod(0o755)
    rc, out, err, (dst, b1, b2) = run_one("link-delta", "local", "-", 0, "reference", tmp_path, crsync,
                                          upstream)
    assert rc == 0, err
    assert dst["same.txt"]["nlink"] == 2 and dst["sub/deep.txt"]["nlink"] == 2
    assert dst["dst-same.txt"]["nlink"] == 2 and dst["perm.txt"]["nlink"] == 1
    assert ">f..t...... changed.bin" in out and "cf...p..... perm.txt" in out
    rc, out, err, (dst, b1, b2) = run_one("compare-ii", "local", "-", 0, "reference", tmp_path, crsync,
                                          upstream)
    assert rc == 0 and "same.txt" not in dst and "dst-same.txt" not in dst and "perm.txt" in dst


def test_delta_reads_the_basis_directory(crsync, tmp_path):
    """The changed file is rebuilt from its basis in b1: with --stats, most
    of it is matched data, not literal data (a receiver that ignored the
    basis would get it all as literal data)."""
    make_fixture(tmp_path)
    rc, out, err = run([crsync, "-a", "--no-whole-file", "--stats", "--link-dest=../b1",
                        f"{tmp_path}/src/", f"{tmp_path}/dst/"], tmp_path)
    assert rc == 0, err
    matched = int(next(l for l in out.splitlines() if l.startswith("Matched data:")).split()[2].replace(",", ""))
    assert matched >= 150_000, out
    assert (tmp_path / "dst" / "changed.bin").read_bytes() == (tmp_path / "src" / "changed.bin").read_bytes()


def test_compare_dest_with_hard_links(crsync, tmp_path):
    """-H with --compare-dest: a group whose members b1 holds is left out
    whole; in a group where b1 holds only the first member, that one is
    left out and the other is transferred (not linked back to it)."""
    make_fixture(tmp_path)
    rc, out, err = run([crsync, "-aHi", "--compare-dest=../b1", f"{tmp_path}/src/", f"{tmp_path}/dst/"],
                       tmp_path)
    assert rc == 0, err
    dst = tmp_path / "dst"
    assert not (dst / "hl-a").exists() and not (dst / "hl-b").exists() and not (dst / "hg-a").exists()
    assert (dst / "hg-b").read_bytes() == b"hard-linked: hg-a\n"
    assert ">f+++++++++ hg-b" in out.splitlines()


# ---- option errors ----

@pytest.mark.parametrize("opts", [
    ["--link-dest=a", "--compare-dest=b"], ["--copy-dest=a", "--link-dest=b"],
    [f"--copy-dest=x{i}" for i in range(21)],
    ["--link-dest=a", "--link-dest=b", "--protocol=28"],
    ["--inplace", "--link-dest=a", "--protocol=28"],
], ids=lambda o: " ".join(o[:3]))
def test_option_errors(opts, crsync, peers, tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "f").write_bytes(b"x")
    got = {}
    for which, client in (("ours", crsync), ("ref", peers[PEER])):
        rc, out, err = run([client, "-a", *opts, "src/", f"dst-{which}/"], tmp_path)
        got[which] = (rc, out, hdaemon.normalise(err).replace(f"dst-{which}", "dst"))
    assert got["ours"][0] == got["ref"][0]
    assert got["ours"][0] != 0
    assert got["ours"][2].splitlines()[0] == got["ref"][2].splitlines()[0]


# ---- what a client asks its server for ----

SPY = """#!/bin/sh
shift
for a in "$@"; do printf '%s\\n' "$a"; done > "$SPY_OUT"
exit 1
"""


@pytest.mark.parametrize("direction", ["push", "pull"])
@pytest.mark.parametrize("opts", [["-a", "--link-dest=../prev"], ["-a", "--copy-dest=/abs/x y*"],
                                  ["-a", "--compare-dest=a", "--compare-dest=b/"]],
                         ids=lambda o: " ".join(o))
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
        run([client, *opts, "-e", spy, *args], tmp_path, {"SPY_OUT": str(out)})
        words[which] = out.read_text().splitlines() if out.exists() else None
    assert words["reference"] is not None
    assert words["ours"] == words["reference"]


# ---- a daemon keeps basis directories inside the module ----

@pytest.mark.parametrize("dest,basis", [("new/", "../prev"), ("x/new/", "../../prev"),
                                        ("x/new/", "../../../../prev"), ("new/", "/prev"),
                                        ("new/", "../../outside")])
def test_daemon_basis_stays_in_module(dest, basis, crsync, peers, tmp_path):
    results = {}
    for which, binary in (("ours", crsync), ("ref", peers[PEER])):
        base = tmp_path / which
        mod, src = base / "mod", base / "src"
        _write(src / "a.txt", b"linked if the basis is found\n")
        _write(mod / "prev" / "a.txt", b"linked if the basis is found\n")
        _write(base / "outside" / "a.txt", b"linked if the basis is found\n")
        (mod / "x").mkdir()
        _fix_dir_times(src)
        with hdaemon.Daemon(binary, base / "d", {"mod": {"path": mod, "read only": "no"}}) as d:
            rc, out, err = hdaemon.run_client(peers[PEER], ["-aii", f"--link-dest={basis}", f"{src}/",
                                                            d.url(f"mod/{dest}")])
        results[which] = (rc, out, (mod / dest / "a.txt").stat().st_nlink if rc == 0 else None,
                          (base / "outside" / "a.txt").stat().st_nlink)
    assert results["ours"] == results["ref"]
    assert results["ref"][3] == 1  # nothing outside the module was linked
