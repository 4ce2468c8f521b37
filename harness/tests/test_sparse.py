"""-S/--sparse: a receiving crsync leaves holes where the file has runs of
zeros, as upstream does; content and size are unchanged. Checked against
upstream 3.5.0 receiving the same file (local copy, and crsync as the
receiving client and server over the remote-shell stand-in)."""
import os

import pytest

from crsync_harness import interop

pytestmark = pytest.mark.interop


@pytest.fixture
def holey(tmp_path):
    p = tmp_path / "holey.bin"
    with open(p, "wb") as f:
        f.write(b"a" * 5000 + b"\0" * (3 << 20) + b"b" * 100 + b"\0" * 200000)
    return p


@pytest.mark.parametrize("how", ["local", "pull-crsync_client", "push-crsync_server"])
def test_sparse_receiver_leaves_holes(how, holey, crsync, peers, tmp_path):
    upstream = peers["3.5.0"]
    lsh = tmp_path / "lsh.sh"
    lsh.write_text(interop.LSH)
    lsh.chmod(0o755)
    blocks = {}
    for which in ("ours", "reference"):
        dst = tmp_path / f"dst-{which}"
        dst.mkdir()
        ours = which == "ours"
        if how == "local":
            argv = [crsync if ours else upstream, "-aS", str(holey), f"{dst}/"]
        elif how == "pull-crsync_client":
            argv = [crsync if ours else upstream, "-aS", "-e", str(lsh), f"--rsync-path={upstream}",
                    f"localhost:{holey}", f"{dst}/"]
        else:
            argv = [upstream, "-aS", "-e", str(lsh), f"--rsync-path={crsync if ours else upstream}",
                    str(holey), f"localhost:{dst}/"]
        rc, out, err = interop._run(argv, tmp_path)
        assert rc == 0, err
        got = dst / "holey.bin"
        assert got.read_bytes() == holey.read_bytes()
        blocks[which] = os.stat(got).st_blocks * 512
    size = holey.stat().st_size
    assert blocks["reference"] < size // 4, "upstream made no holes here: the test proves nothing"
    assert blocks["ours"] <= blocks["reference"] + 8192
