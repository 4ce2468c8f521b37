"""Remote-shell transfers over a real OpenSSH server (crsync_harness/sshd.py):
crsync as client against upstream rsync started by sshd, and upstream's
client against crsync started by sshd, push and pull. Each cell is compared
with the same transfer between upstream and itself over the same sshd:
the destination tree, the itemized output and the exit code."""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from crsync_harness import interop, paths, tree
from crsync_harness.sshd import Sshd

pytestmark = pytest.mark.interop

OPTS = ["-ai", "--no-whole-file", "--delete"]


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    if not os.path.exists("/usr/sbin/sshd"):
        pytest.fail("openssh-server is not installed (ci/install-deps.sh installs it)")
    s = Sshd(tmp_path_factory.mktemp("sshd")).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def fixtures():
    base = Path(tempfile.mkdtemp(prefix="crsync-ssh-"))
    subprocess.run(["/usr/bin/python3", str(paths.GOLDEN / "fixtures" / "make_fixtures.py"), str(base)],
                   check=True, capture_output=True)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def run(client, server, direction, fixtures, dst, rsh, extra=()):
    if dst.exists():
        shutil.rmtree(dst)
    subprocess.run(["cp", "-a", f"{fixtures}/basis", str(dst)], check=True)
    argv = [str(client), *OPTS, *extra, "-e", rsh, f"--rsync-path={server}"]
    if direction == "push":
        argv += [f"{fixtures}/src/", f"127.0.0.1:{dst}/"]
    else:
        argv += [f"127.0.0.1:{fixtures}/src/", f"{dst}/"]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120,
                       env={**os.environ, "LC_ALL": "C"})
    return p.returncode, p.stdout, p.stderr, tree.snapshot(dst)


def order_free(text):
    return sorted(interop.normalise_output(text).splitlines())


@pytest.mark.parametrize("direction", ["push", "pull"])
@pytest.mark.parametrize("role", ["client", "server"])
@pytest.mark.parametrize("extra", [(), ("--protocol=29",), ("-z",)], ids=["p32", "p29", "z"])
def test_over_real_ssh(sshd, fixtures, crsync, peers, tmp_path, direction, role, extra):
    upstream = peers["3.5.0"]
    ours_client, ours_server = (crsync, upstream) if role == "client" else (upstream, crsync)
    rc, out, err, t = run(ours_client, ours_server, direction, fixtures, tmp_path / "ours",
                          sshd.rsh(), extra)
    rrc, rout, rerr, rt = run(upstream, upstream, direction, fixtures, tmp_path / "ref",
                              sshd.rsh(), extra)
    assert rrc == 0, rerr
    assert rc == rrc, err
    assert not tree.differences(t, rt)
    # Deletion lines travel as messages and may land anywhere among the
    # item lines (in upstream too), so the lines are compared as a set.
    assert order_free(out) == order_free(rout), (out, rout)
    # And the transfer did something: the basis differed from the source.
    assert any(line.startswith(("<f", ">f")) for line in out.splitlines())
