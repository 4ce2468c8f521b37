"""The crsync command line, held to upstream rsync's shape."""
import os
import re
import subprocess

from crsync_harness import paths


def run(argv):
    return subprocess.run(argv, capture_output=True, text=True, timeout=30)


def test_version_first_line_has_upstreams_shape(crsync, peers):
    ours = run([crsync, "--version"])
    assert ours.returncode == 0
    theirs = run([peers["3.5.0"], "--version"])
    shape = re.compile(r"^(\w+)  version (\S+)  protocol version (\d+)$")
    m_ours = shape.match(ours.stdout.splitlines()[0])
    m_theirs = shape.match(theirs.stdout.splitlines()[0])
    assert m_theirs, theirs.stdout
    assert m_ours, ours.stdout
    assert m_ours.group(1) == "crsync"
    assert m_ours.group(3) == m_theirs.group(3) == "32"


def test_version_lists_match_upstream_3_5_0(crsync, peers):
    """The checksum, compress and daemon-auth lists crsync advertises are the
    ones Debian's 3.5.0 (a 3.4.x-series build with OpenSSL and xxhash) prints."""
    def sections(text):
        out, cur = {}, None
        for line in text.splitlines():
            if line.endswith(":") and not line.startswith(" "):
                cur = line[:-1]
                out[cur] = []
            elif cur and line.startswith("    "):
                out[cur].append(line.strip())
            else:
                cur = None
        return out
    ours = sections(run([crsync, "--version"]).stdout)
    theirs = sections(run([peers["3.5.0"], "--version"]).stdout)
    for key in ("Checksum list", "Compress list", "Daemon auth list"):
        assert ours[key] == theirs[key], key


def test_no_arguments_prints_usage_and_exits_1_like_rsync(crsync, peers):
    ours = run([crsync])
    theirs = run([peers["3.5.0"]])
    assert theirs.returncode == 1
    assert ours.returncode == theirs.returncode
    # Upstream writes the whole block to stderr and nothing to stdout.
    assert theirs.stdout == "" and "Usage:" in theirs.stderr
    assert ours.stdout == "" and "Usage:" in ours.stderr


def test_single_file_copy_to_a_new_name(crsync, tmp_path):
    (tmp_path / "a").write_text("hello\n")
    r = run([crsync, "-t", str(tmp_path / "a"), str(tmp_path / "b")])
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "b").read_text() == "hello\n"
    assert (tmp_path / "b").stat().st_mtime_ns // 10**9 == (tmp_path / "a").stat().st_mtime_ns // 10**9


def test_unknown_option_is_a_usage_error_like_upstream(crsync, peers):
    ours = run([crsync, "--bogus-opt", "a", "b"])
    theirs = run([peers["3.5.0"], "--bogus-opt", "a", "b"])
    assert ours.returncode == theirs.returncode == 1
    assert ours.stderr.splitlines()[0] == theirs.stderr.splitlines()[0] == "rsync: --bogus-opt: unknown option"


def test_binary_location(crsync):
    assert crsync.exists()
    assert crsync == paths.crsync_bin()


def test_delete_never_follows_a_symlink_out_of_the_destination(crsync, tmp_path):
    """--delete removes an extraneous symlink to a directory elsewhere, and
    nothing inside that directory."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "keep.txt").write_text("k\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("p\n")
    dst = tmp_path / "dst"
    dst.mkdir()
    (dst / "escape").symlink_to(outside)
    (dst / "stale").mkdir()
    (dst / "stale" / "old.txt").write_text("o\n")
    r = run([crsync, "-a", "--delete", f"{src}/", f"{dst}/"])
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in dst.iterdir()) == ["keep.txt"]
    assert (outside / "precious.txt").read_text() == "p\n"


def test_dry_run_into_a_missing_destination_matches_upstream(crsync, peers, tmp_path):
    """-n into a destination that does not exist: everything is listed as
    new, exit 0, and nothing is created (crsync once failed here with
    exit 12)."""
    import subprocess as sp
    src = tmp_path / "src"
    (src / "d").mkdir(parents=True)
    (src / "d" / "f.txt").write_text("x\n")
    (src / "g.txt").write_text("y\n")
    outs = []
    for binary in (crsync, peers["3.5.0"]):
        dst = tmp_path / "missing"
        p = sp.run([str(binary), "-ain", f"{src}/", f"{dst}/"], capture_output=True, text=True,
                   cwd=tmp_path, env={**os.environ, "LC_ALL": "C"})
        assert p.returncode == 0, p.stderr
        assert not dst.exists()
        outs.append(p.stdout)
    assert outs[0] == outs[1]


def test_a_missing_remote_command_exits_127_like_upstream(crsync, peers, tmp_path):
    """The remote shell ends with 127 before a byte is read: upstream's
    client takes that status (_exit_cleanup) and names the bytes received;
    a server that only follows a client's own error does not count."""
    lsh = tmp_path / "lsh.sh"
    lsh.write_text("#!/bin/sh\nshift\nexec \"$@\"\n")
    lsh.chmod(0o755)
    (tmp_path / "src").mkdir()
    for how in ("pull", "push"):
        got = {}
        for who, binary in (("ours", crsync), ("theirs", peers["3.5.0"])):
            spec = ([f"localhost:{tmp_path}/src/", f"{tmp_path}/dst-{who}/"] if how == "pull"
                    else [f"{tmp_path}/src/", f"localhost:{tmp_path}/dst-{who}/"])
            got[who] = run([binary, "-a", "-e", lsh, "--rsync-path=/nonexistent/rsync", *spec])
        assert got["theirs"].returncode == 127
        assert got["ours"].returncode == 127, got["ours"].stderr
        role = "Receiver" if how == "pull" else "sender"
        assert f"connection unexpectedly closed (0 bytes received so far) [{role}]" in got["ours"].stderr
        assert "remote command not found (code 127)" in got["ours"].stderr
