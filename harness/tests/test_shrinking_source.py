"""A source file that shrinks while it is being sent (a log truncated in
place). Upstream's sender reads the missing part as zeros, spoils the file's
checksum so that the receiver discards it and asks again, reports "read
errors mapping" and exits 23; the second pass sends the file as it now is.
crsync's sender maps large files, where a read past the new end faults with
SIGBUS: it must behave as upstream does, not die. Each cell runs crsync as
the sender and then upstream 3.5.0 in the same place, truncating the source
once the receiver has started writing it (a bandwidth limit keeps the
transfer going for seconds)."""
import os
import random
import subprocess
import time

import pytest

from crsync_harness import interop

pytestmark = pytest.mark.interop

SIZE = 4 * 1024 * 1024
KEEP = 100_000


def run_truncating(argv, src_file, dst_dir, cwd):
    p = subprocess.Popen([str(a) for a in argv], cwd=cwd, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env={**os.environ, "LC_ALL": "C"})
    deadline = time.monotonic() + 60
    # Wait for the receiver's temporary file to hold some data: the sender
    # has opened and mapped the source by then.
    while time.monotonic() < deadline and p.poll() is None:
        tmps = [n for n in os.listdir(dst_dir) if n.startswith(".big.bin.")] \
            if dst_dir.exists() else []
        if tmps and os.stat(dst_dir / tmps[0]).st_size > 200_000:
            break
        time.sleep(0.02)
    else:
        p.kill()
        pytest.fail("the transfer never got under way")
    os.truncate(src_file, KEEP)
    out, err = p.communicate(timeout=120)
    return p.returncode, out, err


@pytest.mark.parametrize("how", ["local", "push-crsync_client", "pull-crsync_server"])
def test_shrinking_source_is_resent_as_upstream(how, crsync, peers, tmp_path):
    upstream = peers["3.5.0"]
    lsh = tmp_path / "lsh.sh"
    lsh.write_text(interop.LSH)
    lsh.chmod(0o755)
    data = random.Random(5).randbytes(SIZE)
    results = {}
    for which in ("ours", "reference"):
        ours = which == "ours"
        src = tmp_path / f"src-{which}"
        src.mkdir()
        (src / "big.bin").write_bytes(data)
        dst = tmp_path / f"dst-{which}"
        dst.mkdir()
        tool = crsync if ours else upstream
        if how == "local":
            argv = [tool, "-a", "--bwlimit=800", f"{src}/", f"{dst}/"]
        elif how == "push-crsync_client":
            argv = [tool, "-a", "--bwlimit=800", "-e", lsh, f"--rsync-path={upstream}",
                    f"{src}/", f"localhost:{dst}/"]
        else:
            argv = [upstream, "-a", "--bwlimit=800", "-e", lsh, f"--rsync-path={tool}",
                    f"localhost:{src}/", f"{dst}/"]
        rc, out, err = run_truncating(argv, src / "big.bin", dst, tmp_path)
        got = (dst / "big.bin").read_bytes() if (dst / "big.bin").exists() else None
        lines = [line.replace(str(src), "SRC") for line in err.splitlines()
                 if "read errors mapping" in line]
        results[which] = (rc, lines, got)
    ref_rc, ref_lines, ref_got = results["reference"]
    assert ref_rc == 23 and ref_lines, f"upstream did not see the file shrink: {ref_rc} {ref_lines}"
    rc, lines, got = results["ours"]
    assert rc == ref_rc, (rc, lines, ref_rc, ref_lines)
    assert lines == ref_lines, (lines, ref_lines)
    # The second pass sent the file as it is now; nothing else is left.
    assert got == data[:KEEP]
    assert ref_got == data[:KEEP]
    assert sorted(os.listdir(tmp_path / "dst-ours")) == ["big.bin"]
