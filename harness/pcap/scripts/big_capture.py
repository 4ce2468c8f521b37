#!/usr/bin/env python3
"""Records a big daemon session and measures what dissecting it costs.

As root: writes one random file of --mib MiB, serves it with a live
`rsync --daemon` (the installed rsync, Debian's 3.5.0) on loopback, pulls it
with `rsync -a rsync://...` while `crsync-pcap capture` records the port,
then runs `crsync-pcap show --summary` (and with --diff, `diff` of the
capture with itself) under /usr/bin/time -v and prints one JSON object: the
capture's size, the wall time, MB/s and peak RSS of each run.

  big_capture.py [--pcap BIN] [--mib N] [--dir DIR] [--keep] [--diff] [--bwlimit KIBPS]

The work directory (default: a new one under /var/tmp) is removed unless
--keep. Used by harness/tests/test_pcap_memory.py and for the numbers in
docs/pcap-toolkit.md ("Speed and memory")."""
import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
REPO = HERE.parents[3]


def default_pcap() -> str:
    for b in ("ci", "default", "asan"):
        p = REPO / "build" / b / "harness" / "pcap" / "crsync-pcap"
        if p.exists():
            return str(p)
    raise SystemExit("build crsync-pcap first")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 10) -> None:
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"the daemon did not listen on {port}")


def write_random(path: Path, mib: int) -> None:
    with open(path, "wb") as f:
        for _ in range(mib):
            f.write(os.urandom(1 << 20))


def record(pcap: str, work: Path, mib: int, bwlimit: int) -> Path:
    src, dst = work / "src", work / "dst"
    src.mkdir()
    dst.mkdir()
    write_random(src / "big.bin", mib)
    conf = work / "rsyncd.conf"
    conf.write_text(f"use chroot = no\n[src]\npath = {src}\nread only = yes\n")
    port = free_port()
    daemon = subprocess.Popen(["rsync", "--daemon", "--no-detach", f"--config={conf}", f"--port={port}",
                               "--address=127.0.0.1"])
    out = work / "capture.pcap"
    try:
        wait_port(port)
        limit = [f"--bwlimit={bwlimit}"] if bwlimit else []
        c = subprocess.run([pcap, "capture", "--port", str(port), "-o", str(out), "--", "rsync", "-a", *limit,
                            f"rsync://127.0.0.1:{port}/src/", f"{dst}/"], capture_output=True, text=True)
    finally:
        daemon.terminate()
        daemon.wait()
    if c.returncode != 0 or "(0 dropped" not in c.stderr:
        raise SystemExit(f"capture failed: {c.stderr}")
    shutil.rmtree(src)
    shutil.rmtree(dst)
    return out


def timed(argv: list) -> dict:
    r = subprocess.run(["/usr/bin/time", "-v", *argv], capture_output=True, text=True)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", r.stderr)
    secs = (int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))) if wall else None
    return {"exit": r.returncode, "max_rss_kib": int(rss.group(1)) if rss else None, "seconds": secs,
            "last_line": r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pcap", default=None)
    ap.add_argument("--mib", type=int, default=1024)
    ap.add_argument("--dir", default=None)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--diff", action="store_true")
    ap.add_argument("--bwlimit", type=int, default=0,
                    help="rsync --bwlimit (KiB/s): slower, so that a busy machine drops no packet")
    a = ap.parse_args()
    pcap = a.pcap or default_pcap()
    work = Path(a.dir) if a.dir else Path(tempfile.mkdtemp(prefix="crsync-bigcap-", dir="/var/tmp"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        cap = record(pcap, work, a.mib, a.bwlimit)
        size = cap.stat().st_size
        res = {"mib": a.mib, "capture_bytes": size, "capture": str(cap) if a.keep else None}
        runs = {"show_summary": [pcap, "show", str(cap), "--summary"]}
        if a.diff:
            runs["diff"] = [pcap, "diff", str(cap), str(cap), "--level", "L0"]
        for name, argv in runs.items():
            t = timed(argv)
            if t["seconds"]:
                t["mb_per_s"] = round(size / 1e6 / t["seconds"], 1)
            res[name] = t
        print(json.dumps(res))
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
