"""The upstream peers the interop suites use are installed and talk to each
other at every protocol crsync supports: a real local transfer between two
different upstream builds, 3.5.0 client to a 3.2.7 server over a remote-shell
pipe, per protocol."""
import filecmp
import os
import subprocess

import pytest

pytestmark = pytest.mark.interop


def version_line(binary):
    return subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.splitlines()[0]


def test_both_peers_present(peers):
    assert set(peers) >= {"3.5.0", "3.2.7"}, peers
    assert "version 3.5.0" in version_line(peers["3.5.0"])
    assert "version 3.2.7" in version_line(peers["3.2.7"])


@pytest.mark.parametrize("protocol", [28, 29, 30, 31, 32])
def test_peers_transfer_at_each_protocol(peers, tmp_path, protocol):
    src = tmp_path / "src"
    (src / "d").mkdir(parents=True)
    (src / "d" / "f.txt").write_bytes(os.urandom(5000))
    (src / "top").write_text("hello\n")
    os.symlink("top", src / "ln")
    dst = tmp_path / "dst"
    # A local "remote shell" that runs the server in place: `-e` wrapper.
    shell = tmp_path / "sh.sh"
    shell.write_text('#!/bin/sh\nshift\nexec "$@"\n')
    shell.chmod(0o755)
    r = subprocess.run(
        [peers["3.5.0"], "-a", f"--protocol={protocol}", "-e", str(shell),
         f"--rsync-path={peers['3.2.7']}", f"{src}/", f"localhost:{dst}/"],
        capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert filecmp.cmp(src / "d" / "f.txt", dst / "d" / "f.txt", shallow=False)
    assert os.readlink(dst / "ln") == "top"
