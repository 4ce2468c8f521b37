"""Runs a command with fork/exec and reaps it with wait4, for its wall time,
CPU time (user + system of it and every descendant it reaped) and peak RSS
(ru_maxrss: the largest single process among them).

The fork, exec and wait4 happen in a small C launcher (spawn.c, compiled on
first use): a child forked from Python would report Python's own RSS as its
peak, since Linux carries the forking process's peak across exec."""
import hashlib
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

_SPAWN_SRC = Path(__file__).with_name("spawn.c")


@dataclass
class Sample:
    wall: float           # seconds
    cpu: float            # user + system seconds
    maxrss_kb: int        # KiB
    rc: int
    stderr: str = ""
    extra: dict = field(default_factory=dict)


def spawn_binary():
    """The compiled launcher (cached by source digest under /tmp)."""
    digest = hashlib.sha256(_SPAWN_SRC.read_bytes()).hexdigest()[:16]
    exe = Path(tempfile.gettempdir()) / f"crsync-bench-spawn-{digest}"
    if not exe.exists():
        tmp = exe.with_suffix(f".{os.getpid()}")
        subprocess.run(["cc", "-O2", "-o", str(tmp), str(_SPAWN_SRC)], check=True)
        os.replace(tmp, exe)
    return exe


def _daemon_child_cpu(pid):
    """CPU seconds of the reaped children of `pid` (cutime + cstime), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            rest = f.read().rsplit(")", 1)[1].split()
        tick = os.sysconf("SC_CLK_TCK")
        return (int(rest[13]) + int(rest[14])) / tick
    except (OSError, IndexError, ValueError):
        return None


def _has_children(pid):
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                if f.read().strip():
                    return True
    except OSError:
        return False
    return False


def wait_children_gone(pid, timeout=2.0):
    """Waits until the process `pid` has no children (a daemon reaped its
    connection processes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _has_children(pid):
        time.sleep(0.005)


class _Launch:
    """One command under the launcher."""

    def __init__(self, argv, cwd=None, env=None):
        self.result = tempfile.NamedTemporaryFile(prefix="crsync-bench-", delete=False)
        self.result.close()
        self.err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([str(spawn_binary()), self.result.name, *map(str, argv)],
                                     cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self.err)

    def finish(self, deadline):
        try:
            self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.proc.kill()  # the launcher; its command is left to finish
            self.proc.wait()
        self.err.seek(0)
        text = self.err.read().decode(errors="replace")[-4000:]
        self.err.close()
        try:
            fields = Path(self.result.name).read_text().split()
            os.unlink(self.result.name)
            wall, user, system, rss, status = (float(fields[0]), float(fields[1]),
                                               float(fields[2]), int(fields[3]), int(fields[4]))
            rc = os.waitstatus_to_exitcode(status)
        except (OSError, IndexError, ValueError):
            return Sample(wall=0.0, cpu=0.0, maxrss_kb=0, rc=self.proc.returncode or 255,
                          stderr=text or "launcher gave no result")
        return Sample(wall=wall, cpu=user + system, maxrss_kb=rss, rc=rc, stderr=text)


def run(argv, cwd=None, env=None, timeout=1800, daemon_pid=None):
    """Runs argv to completion. With `daemon_pid`, the CPU its reaped
    children used meanwhile (the server side of a daemon transfer) is added."""
    cpu_before = _daemon_child_cpu(daemon_pid) if daemon_pid else None
    s = _Launch(argv, cwd, env).finish(time.monotonic() + timeout)
    if daemon_pid and cpu_before is not None:
        wait_children_gone(daemon_pid)
        after = _daemon_child_cpu(daemon_pid)
        if after is not None:
            s.cpu += max(0.0, after - cpu_before)
    return s


def run_many(argvs, env=None, timeout=600, daemon_pid=None):
    """Starts every command at once and waits for all. Returns one Sample for
    the whole batch (wall until the last ends, summed CPU, largest RSS) with
    extra["failed"] = the number of commands that did not exit 0."""
    cpu_before = _daemon_child_cpu(daemon_pid) if daemon_pid else None
    spawn_binary()
    t0 = time.monotonic()
    launches = [_Launch(a, env=env) for a in argvs]
    samples = [x.finish(t0 + timeout) for x in launches]
    wall = time.monotonic() - t0
    cpu = sum(s.cpu for s in samples)
    if daemon_pid and cpu_before is not None:
        wait_children_gone(daemon_pid)
        after = _daemon_child_cpu(daemon_pid)
        if after is not None:
            cpu += max(0.0, after - cpu_before)
    failed = [s for s in samples if s.rc != 0]
    return Sample(wall=wall, cpu=cpu, maxrss_kb=max((s.maxrss_kb for s in samples), default=0),
                  rc=1 if failed else 0, stderr=failed[0].stderr if failed else "",
                  extra={"failed": len(failed), "clients": len(argvs)})
