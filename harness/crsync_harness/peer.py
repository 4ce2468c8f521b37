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
