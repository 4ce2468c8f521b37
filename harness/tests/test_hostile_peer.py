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


# ---- incremental recursion (protocol 30, CF_INC_RECURSE) ----

def inc_first_list():
    """"." and one subdirectory "d": dir_flist is [".", "d"]."""
    return (peer.flist_entry30(".", DIR) + peer.flist_entry30("d", DIR, prev_name=".") + b"\x00")


def test_inc_session_is_granted_and_lists_are_applied(crsync, arena):
    """The baseline the hostile cases below depart from: crsync grants
    incremental recursion to this client and applies a well-formed first
    list and sub-list (d/ is created), so the cases below fail for the
    reason they name, not because the session is unusable. The script stops
    after NDX_FLIST_EOF (it sends no file data), so the exit code is not
    checked here."""
    tmp, dest, outside = arena
    ndx = peer.NdxWriter()
    stream = (inc_first_list() + ndx(peer.NDX_FLIST_OFFSET - 1) +
              peer.flist_entry30("d/f", REG, 0, prev_name="d") + b"\x00" + ndx(peer.NDX_FLIST_EOF))
    srv = peer.ServerProcess(crsync, ["-lptre.iLs", ".", str(dest)], str(tmp))
    srv.send(peer.i32(peer.INC_PROTOCOL))
    srv.send(peer.mux_data(stream))
    import time
    time.sleep(1.0)
    # compat flags: the server granted CF_INC_RECURSE (bit 0).
    assert len(srv.out) >= 5 and srv.out[4] & 1, bytes(srv.out[:8])
    srv.finish()
    assert (dest / "d").is_dir()
    untouched(tmp, dest, outside)


def test_inc_sub_list_for_out_of_range_dir(crsync, arena):
    tmp, dest, outside = arena
    ndx = peer.NdxWriter()
    stream = inc_first_list() + ndx(peer.NDX_FLIST_OFFSET - 7) + peer.flist_entry30("x", REG) + b"\x00"
    rc, err, _ = peer.inc_push_session(crsync, dest, stream, cwd=str(tmp))
    assert rc == 2, err
    assert "invalid dir_ndx 7" in err
    untouched(tmp, dest, outside)


def test_inc_repeated_sub_list_for_a_dir(crsync, arena):
    tmp, dest, outside = arena
    ndx = peer.NdxWriter()
    sub = peer.flist_entry30("d/f", REG, 0, prev_name="d") + b"\x00"
    stream = (inc_first_list() + ndx(peer.NDX_FLIST_OFFSET - 1) + sub +
              ndx(peer.NDX_FLIST_OFFSET - 1) + peer.flist_entry30("d/g", REG, 0, prev_name="d/f") + b"\x00")
    rc, err, _ = peer.inc_push_session(crsync, dest, stream, cwd=str(tmp))
    assert rc == 2, err
    assert "duplicate flist for dir 1" in err
    untouched(tmp, dest, outside)


def test_inc_sub_list_entry_outside_its_dir(crsync, arena):
    """A sub-list may only hold direct children of its directory."""
    tmp, dest, outside = arena
    ndx = peer.NdxWriter()
    stream = (inc_first_list() + ndx(peer.NDX_FLIST_OFFSET - 1) +
              peer.flist_entry30("e/f", REG, 0, prev_name="d") + b"\x00")
    rc, err, _ = peer.inc_push_session(crsync, dest, stream, cwd=str(tmp))
    assert rc == 4, err
    assert "invalid path from sender" in err
    assert not (dest / "e").exists()
    untouched(tmp, dest, outside)


def test_inc_sub_list_for_the_dot_dir(crsync, arena):
    """dir_flist[0] is "." whose contents were in the first list; a sub-list
    for it must still be a list of direct children of "." (so "d/x" is
    refused), and a second one is a duplicate."""
    tmp, dest, outside = arena
    ndx = peer.NdxWriter()
    stream = (inc_first_list() + ndx(peer.NDX_FLIST_OFFSET - 0) +
              peer.flist_entry30("d/x", REG, 0, prev_name="d") + b"\x00")
    rc, err, _ = peer.inc_push_session(crsync, dest, stream, cwd=str(tmp))
    assert rc == 4, err
    untouched(tmp, dest, outside)


def test_inc_sub_list_after_flist_eof(crsync, arena):
    tmp, dest, outside = arena
    ndx = peer.NdxWriter()
    stream = (inc_first_list() + ndx(peer.NDX_FLIST_EOF) + ndx(peer.NDX_FLIST_OFFSET - 1) +
              peer.flist_entry30("d/f", REG, 0, prev_name="d") + b"\x00")
    rc, err, _ = peer.inc_push_session(crsync, dest, stream, cwd=str(tmp))
    assert rc == 2, err
    assert "sub-flist" in err
    untouched(tmp, dest, outside)


# ---- a hostile generator: crsync as the sending server ----

@pytest.fixture()
def source(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "f").write_bytes(b"0123456789" * 100)
    return src


def sum_head(count, blength, s2length, remainder):
    return peer.i32(count) + peer.i32(blength) + peer.i32(s2length) + peer.i32(remainder)


# ndx 1 is "f" ("." sorts first); iflags ITEM_TRANSFER.
REQUEST_F = peer.i32(1) + peer.i16(0x8000)


@pytest.mark.parametrize("head,message", [
    (sum_head(1, 700, 17, 0), "Invalid checksum length 17"),     # s2length beyond md5's 16
    (sum_head(1, 700, -1, 0), "Invalid checksum length -1"),
    (sum_head(1 << 30, 700, 16, 0), "Invalid checksum count"),  # ~20 GiB of sums
    (sum_head(-5, 700, 16, 0), "Invalid checksum count -5"),
    (sum_head(2, 1 << 30, 16, 0), "Invalid block length"),
    (sum_head(2, 700, 16, 900), "remainder"),                   # remainder > block length
], ids=["s2length-over-digest", "s2length-negative", "count-huge", "count-negative",
        "blength-huge", "remainder-over-blength"])
def test_bad_sum_head_from_generator(crsync, source, tmp_path, head, message):
    rc, err, _ = peer.pull_session(crsync, source, REQUEST_F + head, cwd=str(tmp_path))
    assert rc == 2, err
    assert message in err, err
    # The sender's source tree is untouched.
    assert sorted(os.listdir(source)) == ["f"]


def test_request_for_out_of_range_index(crsync, source, tmp_path):
    rc, err, _ = peer.pull_session(crsync, source, peer.i32(99) + peer.i16(0x8000), cwd=str(tmp_path))
    assert rc == 2, err
    assert "Invalid file index: 99" in err


def test_transfer_request_for_a_directory(crsync, source, tmp_path):
    rc, err, _ = peer.pull_session(crsync, source, peer.i32(0) + peer.i16(0x8000), cwd=str(tmp_path))
    assert rc == 2, err
    assert "non-regular file" in err


# ---- basis directories (--link-dest and its kin) --------------------------

def alt_dest_push(crsync, dest, server_args, extra):
    """push_session with extra server options (e.g. a --copy-dest)."""
    srv = peer.ServerProcess(crsync, ["-lptr", *server_args, ".", str(dest)], str(dest.parent))
    srv.send(peer.i32(peer.PROTOCOL))
    flist = peer.flist_entry(".", DIR) + peer.flist_entry("f", REG, 1400, prev_name=".")
    srv.send(flist + b"\x00" + peer.i32(0))
    srv.send(extra)
    return srv.finish()


@pytest.mark.parametrize("args,basis_type", [(["--copy-dest", "../b"], 1), ([], 0),
                                             (["--link-dest=../b", "--link-dest=../c"], 2)])
def test_basis_type_beyond_the_basis_dirs(crsync, arena, args, basis_type):
    """The sender echoes a basis directory index the receiver does not have
    (upstream: 'invalid basis_dir index', exit 2)."""
    tmp, dest, outside = arena
    # ndx 1, iflags TRANSFER|BASIS_TYPE_FOLLOWS, the type byte.
    extra = peer.i32(1) + peer.i16(0x8800) + bytes([basis_type])
    rc, err = alt_dest_push(crsync, dest, args, extra)
    assert rc == 2, err
    assert f"invalid basis_dir index: {basis_type}." in err
    untouched(tmp, dest, outside)


@pytest.mark.parametrize("kind", ["regular", "symlink"])
def test_basis_dir_symlink_is_not_followed(crsync, arena, kind):
    """A basis directory whose "f" is a symlink to a file elsewhere: the
    sender names that basis and copies its first block; written --inplace,
    whatever the receiver read of the basis lands in the destination at
    once. Through a regular file (the control) the block arrives; through the
    symlink the receiver must read nothing."""
    tmp, dest, outside = arena
    vault = tmp.parent / (tmp.name + "-vault")
    vault.mkdir()
    secret = vault / "secret.bin"
    secret.write_bytes(b"S" * 1400)
    b = tmp / "b"
    b.mkdir()
    if kind == "symlink":
        os.symlink(secret, b / "f")
    else:
        (b / "f").write_bytes(secret.read_bytes())
    # ndx 1, TRANSFER|BASIS_TYPE_FOLLOWS, type 0; sum head: 2 blocks of 700,
    # s2length 2, remainder 0; token: block 0 (-1); end (0); a 16-byte sum.
    extra = (peer.i32(1) + peer.i16(0x8800) + bytes([0]) + peer.i32(2) + peer.i32(700) +
             peer.i32(2) + peer.i32(0) + peer.i32(-1) + peer.i32(0) + b"\0" * 16)
    rc, err = alt_dest_push(crsync, dest, ["--inplace", "--copy-dest=../b"], extra)
    got = (dest / "f").read_bytes() if (dest / "f").exists() else b""
    if kind == "regular":
        assert got[:700] == b"S" * 700, (rc, err)
    else:
        assert b"S" not in got, (rc, err)
    assert secret.read_bytes() == b"S" * 1400
    assert sorted(os.listdir(outside)) == ["keep.txt"]
    assert sorted(os.listdir(tmp)) == ["b", "dest", "outside"]
