"""--max-size and --min-size beyond the transfer matrix (test_transfer_options
has their cells): the size arguments upstream accepts and refuses, with the
same message and exit code as rsync 3.5.0, and the -vv lines naming the
skipped files, in a local copy and a push to a crsync server.
"""
import os
import subprocess

import pytest

from crsync_harness import interop

PEER = "3.5.0"
VALUES = ["abc", "1.5k", "10b-1", "1kb+1", "2KiB", "1g", "5x", "1.5M+1", "-1", "+1",
          "99999999999999999999", "8p", "1e3", "0", ".5k", "10B", "3mib", "1-2"]


def run(argv, cwd):
    p = subprocess.run([str(a) for a in argv], cwd=cwd, capture_output=True, text=True, timeout=60,
                       env={**os.environ, "LC_ALL": "C"})
    return p.returncode, p.stdout, p.stderr


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("opt", ["--max-size", "--min-size"])
def test_size_argument_parsing(opt, value, crsync, peers, tmp_path):
    got = {}
    for which, client in (("ours", crsync), ("ref", peers[PEER])):
        work = tmp_path / which
        (work / "src").mkdir(parents=True)
        (work / "src" / "f").write_bytes(b"x" * 2000)
        rc, out, err = run([client, "-n", "-r", "-i", f"{opt}={value}", "src/", "dst/"], work)
        got[which] = (rc, out, err.splitlines()[0] if err else "")
    assert got["ours"][0] == got["ref"][0]
    assert got["ours"][2] == got["ref"][2]
    assert got["ours"][1] == got["ref"][1]


def make_tree(src):
    for name, size in (("a/big", 300_000), ("a/mid", 5_000), ("b/tiny", 3), ("top", 70_000)):
        p = src / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"y" * size)


@pytest.mark.parametrize("how", ["local", "push-crsync_server", "pull-crsync_client"])
def test_vv_names_the_skipped_files(how, crsync, peers, tmp_path):
    lsh = tmp_path / "lsh.sh"
    lsh.write_text(interop.LSH)
    lsh.chmod(0o755)
    src = tmp_path / "src"
    make_tree(src)
    lines = {}
    for which in ("ours", "ref"):
        upstream = peers[PEER]
        client = crsync if which == "ours" and how != "push-crsync_server" else upstream
        server = crsync if which == "ours" and how == "push-crsync_server" else upstream
        dst = tmp_path / f"dst-{which}"
        argv = [client, "-avv", "--max-size=64k", "--min-size=10"]
        if how == "local":
            argv += [f"{src}/", f"{dst}/"]
        elif how.startswith("push"):
            argv += ["-e", lsh, f"--rsync-path={server}", f"{src}/", f"localhost:{dst}/"]
        else:
            argv += ["-e", lsh, f"--rsync-path={server}", f"localhost:{src}/", f"{dst}/"]
        rc, out, err = run(argv, tmp_path)
        assert rc == 0, err
        lines[which] = sorted(l for l in out.splitlines() if l.endswith(("max-size", "min-size")))
        assert sorted(p.name for p in dst.rglob("*") if p.is_file()) == ["mid"]
    assert lines["ref"] == ["a/big is over max-size", "b/tiny is under min-size", "top is over max-size"]
    assert lines["ours"] == lines["ref"]
