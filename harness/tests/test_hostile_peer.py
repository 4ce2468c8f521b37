"""Hostile-peer tests: crsync, as a server receiving a push, is fed
malicious or broken protocol streams by a scripted peer (see
crsync_harness/peer.py). Each must be refused with upstream's exit code and
nothing may be written outside the destination."""
import os

import pytest

from crsync_harness import peer


@pytest.fixture()
def arena(tmp_path):
    """A destination, with a sibling folder that must stay untouched."""
    dest = tmp_path / "dest"
    dest.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("precious\n")
    return tmp_path, dest, outside


def untouched(tmp_path, dest, outside):
    assert sorted(os.listdir(outside)) == ["keep.txt"]
    assert (outside / "keep.txt").read_text() == "precious\n"
    assert sorted(os.listdir(tmp_path)) == ["dest", "outside"]


DIR = 0o040755
REG = 0o100644
LNK = 0o120777


@pytest.mark.parametrize("name", ["../outside/evil", "a/../../outside/evil", ".."])
def test_dot_dot_names_are_refused(crsync, arena, name):
    tmp, dest, outside = arena
    rc, err, _ = peer.push_session(crsync, dest, peer.flist_entry(".", DIR) +
                                   peer.flist_entry(name, REG, 5, prev_name="."))
    assert rc == 4, err
    assert "unsafe pathname" in err
    untouched(tmp, dest, outside)


def test_absolute_name_is_refused(crsync, arena):
    tmp, dest, outside = arena
    rc, err, _ = peer.push_session(crsync, dest, peer.flist_entry(".", DIR) +
                                   peer.flist_entry(str(outside / "evil"), REG, 5, prev_name="."))
    assert rc == 4, err
    untouched(tmp, dest, outside)


def test_truncated_file_list_is_a_stream_error(crsync, arena):
    tmp, dest, outside = arena
    entry = peer.flist_entry("file.txt", REG, 5)
    srv = peer.ServerProcess(crsync, ["-lptr", ".", str(dest)], str(tmp))
    srv.send(peer.i32(peer.PROTOCOL) + entry[: len(entry) - 3])
    rc, err = srv.finish()
    assert rc == 12, err
    untouched(tmp, dest, outside)


def test_name_prefix_longer_than_previous_name(crsync, arena):
    tmp, dest, outside = arena
    # SAME_NAME with l1 = 200 on the first entry: nothing to share.
    bad = bytes([1 << 5, 200, 1]) + b"x" + peer.i32(0) + peer.i32(0) + peer.i32(REG)
    rc, err, _ = peer.push_session(crsync, dest, bad)
    assert rc == 2, err
    untouched(tmp, dest, outside)


def test_oversized_symlink_length(crsync, arena):
    tmp, dest, outside = arena
    entry = bytes([1, 4]) + b"link" + peer.i32(0) + peer.i32(0) + peer.i32(LNK) + peer.i32(1 << 20)
    rc, err, _ = peer.push_session(crsync, dest, entry)
    assert rc == 22, err
    untouched(tmp, dest, outside)


def test_symlink_escape_is_not_followed(crsync, arena):
    """A symlink to outside the destination, then a file "through" it: the
    receiver refuses the list (upstream: "ABORTING due to invalid path from
    sender", exit 2) and writes nothing through the link."""
    tmp, dest, outside = arena
    flist = (peer.flist_entry(".", DIR) +
             peer.flist_entry("esc", LNK, len(str(outside)), link=str(outside), prev_name=".") +
             peer.flist_entry("esc/evil", REG, 5, prev_name="esc"))
    srv = peer.ServerProcess(crsync, ["-lptr", ".", str(dest)], str(tmp))
    srv.send(peer.i32(peer.PROTOCOL) + flist + b"\x00" + peer.i32(0))
    # Whatever the generator asks for, answer as a sender that then ends.
    import time
    time.sleep(1.0)
    srv.send(peer.i32(-1) * 4)
    rc, err = srv.finish()
    assert rc == 2, err
    assert "invalid path from sender" in err
    untouched(tmp, dest, outside)
    assert not (outside / "evil").exists()


def test_out_of_range_index_from_sender(crsync, arena):
    """The sender echoes a file index the list does not have."""
    tmp, dest, outside = arena
    flist = peer.flist_entry(".", DIR) + peer.flist_entry("f", REG, 3, prev_name=".")
    rc, err, _ = peer.push_session(crsync, dest, flist, extra=peer.i32(7) + peer.i16(0x8000))
    assert rc == 2, err
    assert "Invalid file index" in err
    untouched(tmp, dest, outside)


def test_block_reference_beyond_the_sum_head(crsync, arena):
    """A token naming block 5 of a file sent with no blocks."""
    tmp, dest, outside = arena
    flist = peer.flist_entry(".", DIR) + peer.flist_entry("f", REG, 3, prev_name=".")
    # ndx 1 ("f" sorts after "."), iflags TRANSFER, sum head count 0, token -(5+1).
    extra = peer.i32(1) + peer.i16(0x8000) + peer.i32(0) * 4 + peer.i32(-6)
    rc, err, _ = peer.push_session(crsync, dest, flist, extra=extra)
    assert rc == 2, err
    assert "invalid block reference" in err
    assert not (dest / "f").exists()
    untouched(tmp, dest, outside)


def test_strong_sum_length_beyond_the_digest(crsync, tmp_path):
    """crsync as sender (`--server --sender`): a generator asks for 17-byte
    strong sums of a 16-byte digest (CVE-2024-12084's class)."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "f").write_text("data\n")
    srv = peer.ServerProcess(crsync, ["--sender", "-lptr", ".", "src/"], str(tmp_path))
    srv.send(peer.i32(peer.PROTOCOL) + peer.i32(0))  # version, empty filter list
    import time
    time.sleep(0.5)
    # Request ndx 1 with a sum head: count 1, blength 700, s2length 17, remainder 5.
    srv.send(peer.i32(1) + peer.i16(0x8000) + peer.i32(1) + peer.i32(700) + peer.i32(17) + peer.i32(5))
    rc, err = srv.finish()
    assert rc == 2, err
    assert "Invalid checksum length 17" in err
