"""A scripted rsync peer for hostile-input tests. A real upstream rsync
cannot be made to send malformed or malicious bytes, so these tests drive
`crsync --server` directly with hand-built protocol-29 streams (plain int32
fields, no compat flags, server->client multiplexed) and check how crsync
refuses them. This is the only place the harness stands in for a peer.
"""
import os
import struct
import subprocess
import threading

PROTOCOL = 29


def i32(v):
    return struct.pack("<i", v)


def i16(v):
    return struct.pack("<H", v)


def flist_entry(name, mode, size=0, mtime=1700000000, link=None, prev_name=""):
    """One protocol-29 file-list entry with byte flags, no uid/gid (-o/-g off)."""
    flags = 0
    l1 = 0
    while l1 < min(len(name), len(prev_name), 255) and name[l1] == prev_name[l1]:
        l1 += 1
    if l1:
        flags |= 1 << 5  # XMIT_SAME_NAME
    suffix = name[l1:].encode()
    out = b""
    if flags == 0:
        flags |= 1  # XMIT_TOP_DIR as the never-zero filler
    out += bytes([flags])
    if l1:
        out += bytes([l1])
    out += bytes([len(suffix)]) + suffix
    out += i32(size) + i32(mtime) + i32(mode)
    if link is not None:
        out += i32(len(link)) + link.encode()
    return out


class ServerProcess:
    """crsync --server with pipes; collects its stdout in the background."""

    def __init__(self, crsync, args, cwd):
        self.p = subprocess.Popen([str(crsync), "--server", *args], cwd=cwd,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        self.out = bytearray()
        self._t = threading.Thread(target=self._drain, daemon=True)
        self._t.start()

    def _drain(self):
        while True:
            b = self.p.stdout.read1(65536) if hasattr(self.p.stdout, "read1") else self.p.stdout.read(65536)
            if not b:
                return
            self.out += b

    def send(self, data):
        try:
            self.p.stdin.write(data)
            self.p.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass

    def finish(self, timeout=20):
        try:
            self.p.stdin.close()
        except BrokenPipeError:
            pass
        rc = self.p.wait(timeout=timeout)
        self._t.join(timeout=5)
        err = self.p.stderr.read().decode(errors="replace")
        return rc, err


def push_session(crsync, dest, flist_bytes, extra=b"", cwd=None):
    """Acts as a protocol-29 client sender pushing `flist_bytes` (entries
    without the end marker) to `crsync --server -lptr . dest`; then sends
    `extra` raw (what a sender would send next). Returns (rc, stderr, out)."""
    srv = ServerProcess(crsync, ["-lptr", ".", str(dest)], cwd or os.getcwd())
    srv.send(i32(PROTOCOL))
    srv.send(flist_bytes + b"\x00" + i32(0))  # end of list, io_error 0
    srv.send(extra)
    rc, err = srv.finish()
    return rc, err, bytes(srv.out)


# ---------------------------------------------------------------------------
# Protocol 30 with incremental recursion: the client advertises "iLs" (no
# varint flags, so byte flags, md5 sums and no negotiated names) and
# multiplexes what it sends.

INC_PROTOCOL = 30
NDX_DONE = -1
NDX_FLIST_EOF = -2
NDX_FLIST_OFFSET = -101


def varint(v):
    """upstream write_varint (min 1 byte)."""
    return varlong(v, 1)


def varlong(v, min_bytes):
    """upstream write_varlong: a lead byte whose high bits count the extra
    bytes, then the value's low bytes."""
    le = list(struct.pack("<q", v))
    cnt = 8
    while cnt > min_bytes and le[cnt - 1] == 0:
        cnt -= 1
    extra = cnt - min_bytes
    room = 1 << (7 - extra)
    top = le[cnt - 1]
    if top >= room:
        return bytes([(~(room - 1)) & 0xFF] + le[:cnt])
    if extra > 0:
        return bytes([top | ((~(room * 2 - 1)) & 0xFF)] + le[:cnt - 1])
    return bytes([top] + le[:cnt - 1])


class NdxWriter:
    """upstream write_ndx (protocol >= 30): differences against the previous
    positive or negative value."""

    def __init__(self):
        self.prev_pos, self.prev_neg = -1, 1

    def __call__(self, ndx):
        if ndx == NDX_DONE:
            return b"\x00"
        out = b""
        if ndx >= 0:
            diff, mag = ndx - self.prev_pos, ndx
            self.prev_pos = ndx
        else:
            out, mag = b"\xff", -ndx
            diff = mag - self.prev_neg
            self.prev_neg = mag
        if 0 < diff < 0xFE:
            return out + bytes([diff])
        if diff < 0 or diff > 0x7FFF:
            return out + bytes([0xFE, (mag >> 24) | 0x80, mag & 0xFF, (mag >> 8) & 0xFF, (mag >> 16) & 0xFF])
        return out + bytes([0xFE, diff >> 8, diff & 0xFF])


def flist_entry30(name, mode, size=0, mtime=1700000000, prev_name=""):
    """One protocol-30 entry in byte-flag form: XMIT_LONG_NAME keeps the
    flags non-zero, no uid/gid."""
    l1 = 0
    while l1 < min(len(name), len(prev_name), 255) and name[l1] == prev_name[l1]:
        l1 += 1
    flags = 1 << 6  # XMIT_LONG_NAME
    if l1:
        flags |= 1 << 5  # XMIT_SAME_NAME
    suffix = name[l1:].encode()
    out = bytes([flags]) + (bytes([l1]) if l1 else b"") + varint(len(suffix)) + suffix
    return out + varlong(size, 3) + varlong(mtime, 4) + i32(mode)


def mux_data(payload):
    """MSG_DATA frames (tag 7 << 24 | length)."""
    out = b""
    for i in range(0, len(payload), 0xFFFF):
        chunk = payload[i:i + 0xFFFF]
        out += struct.pack("<I", (7 << 24) | len(chunk)) + chunk
    return out


def inc_push_session(crsync, dest, sender_stream, cwd=None, wait=1.0):
    """Acts as a protocol-30 client sender with incremental recursion
    pushing to `crsync --server -lptre.iLs . dest`: `sender_stream` is
    everything after the handshake (first list, sub-lists, ndx values), sent
    multiplexed. Returns (rc, stderr, out)."""
    import time
    srv = ServerProcess(crsync, ["-lptre.iLs", ".", str(dest)], cwd or os.getcwd())
    srv.send(i32(INC_PROTOCOL))
    srv.send(mux_data(sender_stream))
    time.sleep(wait)
    rc, err = srv.finish()
    return rc, err, bytes(srv.out)


def pull_session(crsync, src_dir, requests, cwd=None, wait=1.0):
    """Acts as a protocol-29 client receiver pulling from `crsync --server
    --sender -lptr . src_dir/`: sends the version and an empty filter list,
    waits for the file list, then sends `requests` raw (what a generator
    would send). Returns (rc, stderr, out)."""
    import time
    srv = ServerProcess(crsync, ["--sender", "-lptr", ".", str(src_dir) + "/"], cwd or os.getcwd())
    srv.send(i32(PROTOCOL) + i32(0))
    time.sleep(wait)
    srv.send(requests)
    time.sleep(wait)
    rc, err = srv.finish()
    return rc, err, bytes(srv.out)
