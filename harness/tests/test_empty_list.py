"""An empty file list: a directory given without -r or -d ("skipping
directory ."). Upstream's receiving server and local copy still run the
end of the session, make the destination directory (not with -n) and exit
0; a sending server exits as soon as its list is empty. crsync once ended
the receiving side at once, and its own sender then failed with "connection
unexpectedly closed" (exit 12) in a local copy and a push to a crsync
server. Each cell runs crsync against rsync 3.5.0 and compares the exit
code, the output (timing masked, the destination's name replaced) and
whether the destination was made, with upstream on both sides.
"""
import os
import subprocess

import pytest

from crsync_harness import interop

PEER = "3.5.0"


def run(argv, cwd):
    p = subprocess.run([str(a) for a in argv], cwd=cwd, capture_output=True, text=True, timeout=60,
                       env={**os.environ, "LC_ALL": "C"})
    return p.returncode, p.stdout, p.stderr


def one(how, opts, client, server, base):
    src, dst = base / "src", base / "dst"
    (src / "sub").mkdir(parents=True)
    (src / "file").write_text("data\n")
    lsh = base / "lsh.sh"
    lsh.write_text(interop.LSH)
    lsh.chmod(0o755)
    if how == "local":
        argv = [client, *opts, f"{src}/", f"{dst}/"]
    else:
        argv = [client, *opts, "-e", lsh, f"--rsync-path={server}"]
        argv += [f"{src}/", f"localhost:{dst}/"] if how.startswith("push") else [f"localhost:{src}/",
                                                                                  f"{dst}/"]
    rc, out, err = run(argv, base)
    out = interop.normalise_output(out.replace(str(dst), "DST"))
    return rc, out, dst.exists(), err


CASES = ["local", "push-crsync_client", "push-crsync_server", "pull-crsync_client",
         "pull-crsync_server"]


@pytest.mark.parametrize("opts", [[], ["-v"], ["-n"], ["--stats"], ["--protocol=29", "-v"]],
                         ids=lambda o: " ".join(o) or "plain")
@pytest.mark.parametrize("how", CASES)
def test_empty_list_matches_upstream(how, opts, crsync, peers, tmp_path):
    upstream = peers[PEER]
    if how == "local" or how.endswith("crsync_client"):
        client, server = crsync, upstream
    else:
        client, server = upstream, crsync
    (tmp_path / "ours").mkdir()
    (tmp_path / "ref").mkdir()
    ours = one(how, opts, client, server, tmp_path / "ours")
    ref = one(how, opts, upstream, upstream, tmp_path / "ref")
    assert ref[0] == 0, ref[3]
    assert ours[0] == ref[0], f"exit {ours[0]} vs {ref[0]}: {ours[3]}"
    assert ours[2] == ref[2], f"destination made: {ours[2]} vs upstream {ref[2]}"
    assert ours[1] == ref[1]
    assert "skipping directory ." in ours[1] + ours[3]
