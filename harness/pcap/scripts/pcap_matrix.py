#!/usr/bin/env python3
"""Runs crsync-pcap against live upstream rsync (the installed one, Debian's
3.5.0) on every golden scenario, and prints markdown tables:

  replay   replay --as-client each golden against a live daemon, and
           replay --as-server each golden for a live client;
  record   re-record each scenario (crsync-pcap capture, as root) with the
           live rsync as client and daemon, then diff the golden (A) with
           the new recording (B).

  pcap_matrix.py [--pcap BIN] [--only NAME...] [--keep DIR] replay|record

--keep DIR keeps the new recordings (DIR/NAME.pcap)."""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[2]))  # harness/

from crsync_harness.golden_scenarios import Workdir, free_port, scenario_names  # noqa: E402
from crsync_harness.paths import GOLDEN, REPO  # noqa: E402


def default_pcap() -> str:
    for b in ("ci", "default", "asan"):
        p = REPO / "build" / b / "harness" / "pcap" / "crsync-pcap"
        if p.exists():
            return str(p)
    raise SystemExit("build crsync-pcap first")


def golden(name: str) -> Path:
    return GOLDEN / "scenarios" / name / "capture.pcap"


def replay_one(pcap: str, name: str, mode: str) -> dict:
    w = Workdir(name)
    port = free_port()
    try:
        if mode == "as-client":
            d = w.start_daemon(port)
            try:
                r = subprocess.run([pcap, "replay", "--as-client", str(golden(name)), "--port", str(port),
                                    "--json"], capture_output=True, text=True, timeout=300)
            finally:
                d.terminate()
                d.wait()
            client_exit = None
        else:
            s = subprocess.Popen([pcap, "replay", "--as-server", str(golden(name)), "--port", str(port), "--json"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            s.stdout.readline()  # "listening on"
            c = subprocess.run(w.client_argv(port), cwd=w.root, env=w.client_env(), capture_output=True,
                               text=True, timeout=300)
            out, err = s.communicate(timeout=300)
            r = subprocess.CompletedProcess(s.args, s.returncode, out, err)
            client_exit = c.returncode
        rep = json.loads(r.stdout) if r.stdout.strip().startswith("{") else {"error": r.stderr.strip()}
        rep["exit"] = r.returncode
        rep["client_exit"] = client_exit
        rep["expected_client_exit"] = w.sc["exit_code"]
        return rep
    finally:
        w.cleanup()


def record(pcap: str, w: Workdir, out: Path) -> subprocess.CompletedProcess:
    port = free_port()
    d = w.start_daemon(port)
    try:
        return subprocess.run([pcap, "capture", "--port", str(port), "-o", str(out), "--", *w.client_argv(port)],
                              cwd=w.root, env=w.client_env(), capture_output=True, text=True, timeout=300)
    finally:
        d.terminate()
        d.wait()


def record_one(pcap: str, name: str, keep: Path, reuse: bool = False) -> dict:
    w = Workdir(name)
    out = (keep / f"{name}.pcap") if keep else (w.root / "new.pcap")
    try:
        if reuse and out.exists():
            c = subprocess.CompletedProcess([], 0, "", "(reused)")
        else:
            c = record(pcap, w, out)
        r = subprocess.run([pcap, "diff", str(golden(name)), str(out), "--json"], capture_output=True, text=True,
                           timeout=300)
        rep = json.loads(r.stdout) if r.stdout.strip().startswith("{") else {"error": r.stderr.strip()}
        rep["exit"] = r.returncode
        rep["capture_log"] = c.stderr.strip().splitlines()[-2:]
        return rep
    finally:
        w.cleanup()


def cell(rep: dict, level: str) -> str:
    l = rep.get(level)
    if not l:
        return "error"
    return "holds" if l["holds"] else "differs"


def first(rep: dict, level: str) -> str:
    l = rep.get(level) or {}
    fd = l.get("first_divergence")
    if isinstance(fd, dict):
        fd = fd.get("summary")
    return (fd or "").replace("|", "\\|")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["replay", "record"])
    ap.add_argument("--pcap", default=None)
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--keep", type=Path)
    ap.add_argument("--reuse", action="store_true", help="diff recordings already in --keep DIR")
    ap.add_argument("--json", type=Path, help="also write the raw results here")
    a = ap.parse_args()
    pcap = a.pcap or default_pcap()
    names = a.only or scenario_names()
    results = {}
    if a.keep:
        a.keep.mkdir(parents=True, exist_ok=True)
    if a.what == "replay":
        print("| scenario | as-client L0 | L1 | L2 | as-server L0 | L1 | L2 | client exit (recorded) | first L1 divergence |")
        print("|---|---|---|---|---|---|---|---|---|")
        for n in names:
            c = replay_one(pcap, n, "as-client")
            s = replay_one(pcap, n, "as-server")
            results[n] = {"as-client": c, "as-server": s}
            div = first(c, "L1") or first(s, "L1")
            print(f"| {n} | {cell(c, 'L0')} | {cell(c, 'L1')} | {cell(c, 'L2')} | {cell(s, 'L0')} | "
                  f"{cell(s, 'L1')} | {cell(s, 'L2')} | {s['client_exit']} ({s['expected_client_exit']}) | {div} |",
                  flush=True)
    else:
        print("| scenario | L0 | L1 | L2 | first divergence (L1, else L0) |")
        print("|---|---|---|---|---|")
        for n in names:
            r = record_one(pcap, n, a.keep, a.reuse)
            results[n] = r
            div = first(r, "L1") or first(r, "L0")
            print(f"| {n} | {cell(r, 'L0')} | {cell(r, 'L1')} | {cell(r, 'L2')} | {div} |", flush=True)
    if a.json:
        a.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
