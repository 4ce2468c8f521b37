"""A daemon module's "fake super" and the --fake-super option (upstream
xattrs.c set_stat_xattr / get_stat_xattr, syscall.c's fake mknod, symlink
and readlink): what only root could give a file is kept in the
user.rsync.%stat xattr, and a fake-super sender reports it back.

Each cell pushes the same tree, as root, with a real client (upstream
3.5.0 or crsync) to upstream's daemon (3.5.0) and to crsync's, serving the
same rsyncd.conf, and compares: the module's files on disk (type, real
mode, owner, size, content, the exact xattr value or its absence), the
output of a second, unchanged push (-i), and a pull back into a fresh
directory, which must restore the original tree."""
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from crsync_harness.daemon import Daemon, normalise, run_client

XATTR = "user.rsync.%stat"
STAMP = 1_600_000_000


OWNERS = {"d/own": (1234, 5678), "suid": (0, 5678)}


def make_tree(root):
    root = Path(root)
    root.mkdir(parents=True)
    files = {"plain": ("p\n", 0o604), "suid": ("s\n", 0o4755), "d/own": ("o\n", 0o644),
             "d/noread": ("n\n", 0o044), "ro/x": ("x\n", 0o644)}
    for rel, (data, mode) in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(data)
        if rel in OWNERS:  # (before chmod: chown clears setuid)
            os.chown(p, *OWNERS[rel])
        os.chmod(p, mode)
    os.symlink("../plain", root / "d" / "lnk")
    os.symlink("nowhere/at/all", root / "dangling")
    os.mkfifo(root / "fifo", 0o640)
    os.mknod(root / "cdev", 0o20620, os.makedev(1, 3))
    os.chmod(root / "cdev", 0o620)
    os.mkdir(root / "sticky")
    os.chmod(root / "sticky", 0o1777)
    os.chmod(root / "d", 0o711)
    os.chmod(root / "ro", 0o555)
    for p in sorted(root.rglob("*"), reverse=True):
        os.utime(p, (STAMP, STAMP), follow_symlinks=False)
    os.utime(root, (STAMP, STAMP))


def xattr_of(path):
    try:
        return os.getxattr(path, XATTR, follow_symlinks=False).decode()
    except OSError:
        return None


def dump(root, with_xattr=True):
    """Every entry's type and real attributes (with the stored stat)."""
    root = Path(root)
    out = {}
    for p in [root, *sorted(root.rglob("*"))]:
        st = os.lstat(p)
        e = {"mode": oct(st.st_mode), "uid": st.st_uid, "gid": st.st_gid,
             "mtime": st.st_mtime_ns}
        if os.path.islink(p):
            e["target"] = os.readlink(p)
        elif p.is_file():
            e["size"] = st.st_size
            e["data"] = p.read_bytes()
        elif not p.is_dir():
            e["rdev"] = (os.major(st.st_rdev), os.minor(st.st_rdev))
        if with_xattr:
            e["xattr"] = xattr_of(p)
        out[str(p.relative_to(root))] = e
    return out


@pytest.fixture
def work():
    # Not under pytest's 0700 tmp: a module served as "nobody" must reach it.
    w = Path(tempfile.mkdtemp(prefix="crsync-fsuper-"))
    os.chmod(w, 0o755)
    yield w
    shutil.rmtree(w, ignore_errors=True)


MODULES = {
    "root": {},
    "chroot": {"use chroot": "yes"},
    "nobody": {"uid": "nobody", "gid": "nogroup"},
}


def run_daemon_cell(daemon_bin, client, work, tag, params, proto):
    """Push, push again, pull back; returns what the test compares."""
    w = work / tag
    src = w / "src"
    make_tree(src)
    mod = w / "mod"
    mod.mkdir()
    if params.get("uid") == "nobody":
        os.chown(mod, 65534, 65534)
    os.utime(mod, (STAMP, STAMP))
    modules = {"fs": {"path": mod, "read only": "no", "fake super": "yes", **params}}
    pa = [f"--protocol={proto}"] if proto else []
    with Daemon(daemon_bin, w / "d", modules) as d:
        push = run_client(client, [*pa, "-aDi", "src/", d.url("fs/")], cwd=w)
        on_disk = dump(mod)
        again = run_client(client, [*pa, "-aDi", "src/", d.url("fs/")], cwd=w)
        after_again = dump(mod)
        pull = run_client(client, [*pa, "-aDi", "--numeric-ids", d.url("fs/"), "back/"], cwd=w)
    return {"push": push, "disk": on_disk, "again": again, "after_again": after_again,
            "pull": pull, "back": dump(w / "back", with_xattr=False),
            "src": dump(src, with_xattr=False)}


def check_outputs(name, ours, ref):
    rc, out, err = ours
    rrc, rout, rerr = ref
    assert rc == rrc, f"{name}: exit {rc} != upstream's {rrc}\n{err}\n---\n{rerr}"
    assert normalise(out) == normalise(rout), f"{name} stdout:\n{out}\n--- upstream:\n{rout}"
    assert normalise(err) == normalise(rerr), f"{name} stderr:\n{err}\n--- upstream:\n{rerr}"


CELLS = [pytest.param(client, module, proto, id=f"{client}-{module}-p{proto or 32}")
         for client in ("3.5.0", "crsync") for module in MODULES for proto in (0,)]
CELLS += [pytest.param(client, "root", 29, id=f"{client}-root-p29")
          for client in ("3.5.0", "crsync")]
CELLS += [pytest.param("crsync", "nobody", 30, id="crsync-nobody-p30")]


@pytest.mark.parametrize("client_name,module,proto", CELLS)
def test_fake_super_module(crsync, peers, work, client_name, module, proto):
    client = crsync if client_name == "crsync" else peers["3.5.0"]
    ours = run_daemon_cell(crsync, client, work, "ours", MODULES[module], proto)
    ref = run_daemon_cell(peers["3.5.0"], client, work, "ref", MODULES[module], proto)
    check_outputs("push", ours["push"], ref["push"])
    assert ref["push"][0] == 0, ref["push"][2]
    assert ours["disk"] == ref["disk"]
    # The stored stat is really there (the comparison is not of two empties).
    assert ref["disk"]["suid"]["xattr"] == "104755 0,0 0:5678"
    assert ref["disk"]["cdev"]["xattr"].startswith("20620 1,3 ")
    check_outputs("second push", ours["again"], ref["again"])
    assert ours["after_again"] == ours["disk"]
    check_outputs("pull", ours["pull"], ref["pull"])
    assert ref["back"] == ref["src"]
    assert ours["back"] == ours["src"]


def test_fake_super_local_copy(crsync, peers, work):
    """--fake-super on a local copy: both sides are fake (the sender reads
    the stored stat too), as upstream's."""
    results = {}
    for tag, binary in (("ours", crsync), ("ref", peers["3.5.0"])):
        w = work / tag
        make_tree(w / "src")
        first = run_client(binary, ["-aDi", "--fake-super", "src/", "dst/"], cwd=w)
        again = run_client(binary, ["-aDi", "--fake-super", "src/", "dst/"], cwd=w)
        copy = run_client(binary, ["-aDi", "--fake-super", "dst/", "copy/"], cwd=w)
        results[tag] = (first, again, copy, dump(w / "dst"), dump(w / "copy"))
    ours, ref = results["ours"], results["ref"]
    for i, name in enumerate(("copy", "second copy", "fake-to-fake copy")):
        check_outputs(name, ours[i], ref[i])
    assert ours[3] == ref[3]
    assert ours[4] == ref[4]
    assert ref[3]["d/own"]["xattr"] == "100644 0,0 1234:5678"


def test_fake_super_restores_through_a_plain_pull(crsync, peers, work):
    """A tree stored by --fake-super, served by a fake-super module, comes
    back as the original with a plain -aD pull (crsync client and daemon)."""
    w = work / "x"
    make_tree(w / "src")
    rc, _, err = run_client(crsync, ["-aD", "--fake-super", "src/", "store/"], cwd=w)
    assert rc == 0, err
    modules = {"fs": {"path": w / "store", "fake super": "yes"}}
    with Daemon(crsync, w / "d", modules) as d:
        rc, _, err = run_client(peers["3.5.0"], ["-aD", "--numeric-ids", d.url("fs/"), "back/"],
                                cwd=w)
    assert rc == 0, err
    assert dump(w / "back", with_xattr=False) == dump(w / "src", with_xattr=False)


@pytest.mark.parametrize("direction", ["pull", "push"])
def test_corrupt_stat_xattr(crsync, peers, work, direction):
    """A value that is not "MODE MAJOR,MINOR UID:GID" stops the transfer
    with RERR_FILEIO (11), as upstream's get_stat_xattr does."""
    results = {}
    for tag, binary in (("ours", crsync), ("ref", peers["3.5.0"])):
        w = work / tag
        mod = w / "mod"
        mod.mkdir(parents=True)
        (mod / "bad").write_text("b\n")
        os.setxattr(mod / "bad", XATTR, b"junk")
        (w / "src").mkdir()
        (w / "src" / "bad").write_text("new\n")
        modules = {"fs": {"path": mod, "read only": "no", "fake super": "yes"}}
        with Daemon(binary, w / "d", modules) as d:
            argv = (["-a", d.url("fs/"), "back/"] if direction == "pull"
                    else ["-a", "src/", d.url("fs/")])
            results[tag] = run_client(peers["3.5.0"], argv, cwd=w)
    ours, ref = results["ours"], results["ref"]
    assert ref[0] == 11, ref[2]
    assert ours[0] == ref[0], f"{ours[2]}\n--- upstream:\n{ref[2]}"
    assert f'Corrupt {XATTR} xattr attached to' in ours[2]
    assert '"junk"' in ours[2]


def test_fake_super_requires_no_xattrs_and_x_stays_refused(crsync, work):
    """-X stays refused (crsync has no xattr transfer), with or without
    --fake-super."""
    w = work / "x"
    make_tree(w / "src")
    rc, _, _ = run_client(crsync, ["-aX", "--fake-super", "src/", "dst/"], cwd=w)
    assert rc != 0
    assert not (w / "dst").exists()
