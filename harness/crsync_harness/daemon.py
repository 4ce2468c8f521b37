"""Starts rsync daemons (crsync's or upstream's, the same way) on free
loopback ports with a generated rsyncd.conf, and speaks the daemon's text
protocol directly for the tests that need a scripted client."""
import base64
import hashlib
import os
import re
import socket
import struct
import subprocess
import time
from pathlib import Path

from . import interop


def free_port(address="127.0.0.1", family=socket.AF_INET):
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def write_conf(path, global_params, modules):
    """modules: {name: {param: value}} in order."""
    lines = [f"{k} = {v}" for k, v in global_params.items()]
    for name, params in modules.items():
        lines.append(f"[{name}]")
        lines += [f"    {k} = {v}" for k, v in params.items()]
    Path(path).write_text("\n".join(lines) + "\n")


class Daemon:
    """A daemon on 127.0.0.1:<free port>, stopped with SIGTERM on exit."""

    def __init__(self, binary, workdir, modules, global_params=None, args=(),
                 address="127.0.0.1", log_file=True):
        """`args`: extra daemon arguments; `address`: where it listens
        ("::1" for IPv6 only); `log_file`: pass --log-file (else the config's
        own, or syslog)."""
        self.binary = str(binary)
        self.args = list(args)
        self.address = address
        self.log_file = log_file
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.conf = self.workdir / "rsyncd.conf"
        self.log = self.workdir / "rsyncd.log"
        g = {"pid file": self.workdir / "rsyncd.pid", "lock file": self.workdir / "rsyncd.lock",
             "use chroot": "no", "uid": "root", "gid": "root"}
        g.update(global_params or {})
        write_conf(self.conf, g, modules)
        self.port = None
        self.proc = None

    def __enter__(self):
        family = socket.AF_INET6 if ":" in self.address else socket.AF_INET
        for _ in range(5):
            self.port = free_port(self.address, family)
            argv = [self.binary, "--daemon", "--no-detach", f"--config={self.conf}",
                    f"--port={self.port}", f"--address={self.address}"]
            if self.log_file:
                argv.append(f"--log-file={self.log}")
            self.proc = subprocess.Popen(
                argv + self.args,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            deadline = time.time() + 5
            while time.time() < deadline and self.proc.poll() is None:
                try:
                    socket.create_connection((self.address, self.port), timeout=0.5).close()
                    return self
                except OSError:
                    time.sleep(0.05)
            self.stop()
        raise RuntimeError(f"daemon {self.binary} did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __exit__(self, *exc):
        self.stop()

    def url(self, path=""):
        return f"rsync://127.0.0.1:{self.port}/{path}"

    def alive(self):
        return self.proc.poll() is None


_WHERE = re.compile(r" at \S+\(\d+\) \[[A-Za-z]+=[^\]]+\]")
# After a daemon refuses a session, whether the client's last write or read
# still fails ("Broken pipe", "Connection reset") is a race, in upstream too.
_SOCKET_RACE = re.compile(r"^rsync: \[\w+\] (read|write) error: .*\n", re.M)


def normalise(text):
    """Timing and byte counts masked, the 'at file(line) [who=version]'
    tail of error lines dropped (it names the source file and the build),
    and the client's racy socket error after a refusal dropped."""
    return _SOCKET_RACE.sub("", _WHERE.sub("", interop.normalise_output(text)))


def run_client(client, args, cwd=None, env=None, timeout=60):
    e = {**os.environ, "LC_ALL": "C"}
    e.pop("RSYNC_PASSWORD", None)
    e.update(env or {})
    p = subprocess.run([str(client), *map(str, args)], cwd=cwd, capture_output=True, text=True,
                       timeout=timeout, env=e)
    return p.returncode, p.stdout, p.stderr


# ---- a scripted client for the text stage ----

def _md4(data):
    """MD4 (RFC 1320), pure Python: hashlib's OpenSSL build lacks it."""
    def f(x, y, z): return (x & y) | (~x & z)
    def g(x, y, z): return (x & y) | (x & z) | (y & z)
    def h(x, y, z): return x ^ y ^ z
    def rol(v, s): return ((v << s) | (v >> (32 - s))) & 0xFFFFFFFF
    msg = data + b"\x80" + b"\0" * ((55 - len(data)) % 64) + struct.pack("<Q", len(data) * 8)
    a, b, c, d = 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476
    for off in range(0, len(msg), 64):
        x = struct.unpack("<16I", msg[off:off + 64])
        aa, bb, cc, dd = a, b, c, d
        for i in range(16):
            k = i
            s = (3, 7, 11, 19)[i % 4]
            if i % 4 == 0: a = rol((a + f(b, c, d) + x[k]) & 0xFFFFFFFF, s)
            elif i % 4 == 1: d = rol((d + f(a, b, c) + x[k]) & 0xFFFFFFFF, s)
            elif i % 4 == 2: c = rol((c + f(d, a, b) + x[k]) & 0xFFFFFFFF, s)
            else: b = rol((b + f(c, d, a) + x[k]) & 0xFFFFFFFF, s)
        for i in range(16):
            k = (i % 4) * 4 + i // 4
            s = (3, 5, 9, 13)[i % 4]
            t = 0x5A827999
            if i % 4 == 0: a = rol((a + g(b, c, d) + x[k] + t) & 0xFFFFFFFF, s)
            elif i % 4 == 1: d = rol((d + g(a, b, c) + x[k] + t) & 0xFFFFFFFF, s)
            elif i % 4 == 2: c = rol((c + g(d, a, b) + x[k] + t) & 0xFFFFFFFF, s)
            else: b = rol((b + g(c, d, a) + x[k] + t) & 0xFFFFFFFF, s)
        order = (0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15)
        for i in range(16):
            k = order[i]
            s = (3, 9, 11, 15)[i % 4]
            t = 0x6ED9EBA1
            if i % 4 == 0: a = rol((a + h(b, c, d) + x[k] + t) & 0xFFFFFFFF, s)
            elif i % 4 == 1: d = rol((d + h(a, b, c) + x[k] + t) & 0xFFFFFFFF, s)
            elif i % 4 == 2: c = rol((c + h(d, a, b) + x[k] + t) & 0xFFFFFFFF, s)
            else: b = rol((b + h(c, d, a) + x[k] + t) & 0xFFFFFFFF, s)
        a, b, c, d = [(v + w) & 0xFFFFFFFF for v, w in ((a, aa), (b, bb), (c, cc), (d, dd))]
    return struct.pack("<4I", a, b, c, d)


def auth_response(digest, password, challenge):
    data = password.encode() + challenge.encode()
    if digest == "md4":
        raw = _md4(data)
    elif digest == "md4-old":
        raw = _md4(b"\0\0\0\0" + data)
    else:
        raw = hashlib.new(digest, data).digest()
    return base64.b64encode(raw).decode().rstrip("=")


class TextClient:
    """A raw socket speaking the daemon's text stage."""

    def __init__(self, port, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def line(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise EOFError(self.buf)
            self.buf += chunk
        l, _, self.buf = self.buf.partition(b"\n")
        return l.decode(errors="replace")

    def rest(self):
        """Everything until the server closes (or the timeout)."""
        out = self.buf
        self.buf = b""
        try:
            while True:
                chunk = self.sock.recv(4096)
                if not chunk:
                    break
                out += chunk
        except (socket.timeout, ConnectionResetError):
            pass
        return out

    def close(self):
        self.sock.close()


def authenticate(port, module, user, password, greeting, digest):
    """Greets with `greeting`, asks for `module`, answers the challenge with
    `digest`; returns the server's reply line after the response."""
    c = TextClient(port)
    try:
        server = c.line()
        assert server.startswith("@RSYNCD: "), server
        c.send(greeting + "\n" + module + "\n")
        line = c.line()
        if not line.startswith("@RSYNCD: AUTHREQD "):
            return line
        challenge = line[len("@RSYNCD: AUTHREQD "):]
        c.send(f"{user} {auth_response(digest, password, challenge)}\n")
        return c.line()
    finally:
        c.close()
