"""Records a new set of golden scenarios with any upstream rsync binary:
the same scenarios (by default those of captures/golden-3.4.1) and the same
layout, so that the golden gate (crsync_harness.golden_gate --captures DIR)
and crsync-pcap can use it.

    cd harness && /usr/bin/python3 -m crsync_harness.recorder \\
        --rsync /path/to/rsync --out ../captures/golden-X.Y.Z [--from SET_DIR]
        [--only NAME...] [--pcap BIN] [--manifest]

For each scenario: the fixtures are made on tmpfs by the source set's
generator, the destination starts empty or as a copy of the basis, a daemon
of --rsync serves the scenario's config on a free loopback port, and the
client (--rsync too) runs the scenario's command line inside
`crsync-pcap capture` (libpcap on loopback: run as root). Written per
scenario: capture.pcap, scenario.json (the source's definition with this
run's port, exit code and result tree), client.stdout/.stderr ({work} and
{port} for the scratch folder and the port), daemon.log (timestamps and
pids cut). Plus scenarios/index.json, fixtures/make_fixtures.py and a
README. --manifest adds the set to captures/MANIFEST.json (when --out is
under captures/) and rewrites the file list."""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from . import manifest
from .golden_scenarios import Workdir, free_port, scenario_names
from .paths import CAPTURES, GOLDEN, REPO
from .tree import result_tree

_LOG_PREFIX = re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[\d+\] ", re.M)


def default_pcap() -> Path:
    for b in ("ci", "default", "asan", "coverage"):
        p = REPO / "build" / b / "harness" / "pcap" / "crsync-pcap"
        if p.exists():
            return p
    raise SystemExit("no crsync-pcap under build/: build it first (or pass --pcap)")


def rsync_version(rsync: str) -> str:
    out = subprocess.run([rsync, "--version"], capture_output=True, text=True, timeout=30).stdout
    return out.splitlines()[0].strip() if out else "unknown"


def record_scenario(name: str, src_set: Path, out_set: Path, rsync: str, pcap: Path) -> dict:
    """Records one scenario into out_set/scenarios/NAME; returns its index entry."""
    w = Workdir(name, src_set)
    port = free_port()
    dest = out_set / "scenarios" / name
    dest.mkdir(parents=True, exist_ok=True)
    try:
        d = w.start_daemon(port, rsync)
        try:
            env = w.client_env()
            env["CRSYNC_REC_STDOUT"] = str(w.root / "client.stdout")
            env["CRSYNC_REC_STDERR"] = str(w.root / "client.stderr")
            # The client's output goes to files; the capture tool's own lines
            # stay on its stderr.
            wrapped = ["/bin/sh", "-c", 'exec "$@" >"$CRSYNC_REC_STDOUT" 2>"$CRSYNC_REC_STDERR"', "sh",
                       *w.client_argv(port, rsync)]
            c = subprocess.run([str(pcap), "capture", "--port", str(port), "-o", str(dest / "capture.pcap"), "--",
                                *wrapped], cwd=w.root, env=env, capture_output=True, text=True, timeout=300)
        finally:
            d.terminate()
            d.wait()
        m = re.search(r"command exited with (\d+)", c.stderr)
        if c.returncode != 0 or not m:
            raise RuntimeError(f"{name}: capture failed: {c.stderr.strip()[-500:]}")
        dropped = re.search(r"\((\d+) dropped", c.stderr)
        if dropped and dropped.group(1) != "0":
            raise RuntimeError(f"{name}: the kernel dropped {dropped.group(1)} packets; record again")
        exit_code = int(m.group(1))
        for stream in ("stdout", "stderr"):
            text = (w.root / f"client.{stream}").read_text(errors="surrogateescape")
            text = text.replace(str(w.root), "{work}")
            text = text.replace(f":{port}", ":{port}").replace(f"port {port}", "port {port}")
            (dest / f"client.{stream}").write_text(text, errors="surrogateescape")
        log = w.root / "rsyncd.log"
        (dest / "daemon.log").write_text(_LOG_PREFIX.sub("", log.read_text(errors="replace")) if log.exists()
                                         else "")
        sc = dict(w.sc)
        sc["port"] = port
        sc["exit_code"] = exit_code
        sc["result_tree"] = result_tree(w.root / "dst")
        sc["fixture_fs"] = "tmpfs" if str(w.root).startswith("/dev/shm/") else "other"
        (dest / "scenario.json").write_text(json.dumps(sc, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
        return {"name": name, "direction": sc["direction"], "notes": sc.get("notes", ""), "exit_code": exit_code}
    finally:
        w.cleanup()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Record golden scenarios with an upstream rsync binary.")
    ap.add_argument("--rsync", required=True, help="the upstream rsync to record (client and daemon)")
    ap.add_argument("--out", type=Path, required=True, help="the new set's folder, e.g. captures/golden-3.4.2")
    ap.add_argument("--from", dest="src", type=Path, default=GOLDEN, help="the set whose scenarios are recorded")
    ap.add_argument("--only", nargs="*", help="scenario names (default: all of --from)")
    ap.add_argument("--pcap", type=Path, help="the crsync-pcap tool")
    ap.add_argument("--manifest", action="store_true", help="add the set to captures/MANIFEST.json")
    a = ap.parse_args(argv)
    rsync = shutil.which(a.rsync) or a.rsync
    if not os.access(rsync, os.X_OK):
        print(f"recorder: {a.rsync}: not an executable", file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print("recorder: capturing on loopback needs root (and -a recordings expect root)", file=sys.stderr)
        return 2
    pcap = a.pcap or default_pcap()
    src, out = a.src.resolve(), a.out.resolve()
    if out == src:
        print("recorder: --out must differ from --from", file=sys.stderr)
        return 2
    names = scenario_names(src)
    if a.only:
        unknown = sorted(set(a.only) - set(names))
        if unknown:
            print(f"recorder: not in {src}: {' '.join(unknown)}", file=sys.stderr)
            return 2
        names = [n for n in names if n in a.only]
    version = rsync_version(rsync)
    (out / "fixtures").mkdir(parents=True, exist_ok=True)
    shutil.copy2(src / "fixtures" / "make_fixtures.py", out / "fixtures" / "make_fixtures.py")
    entries = []
    for n in names:
        e = record_scenario(n, src, out, rsync, pcap)
        entries.append(e)
        print(f"{n}: exit {e['exit_code']}", flush=True)
    (out / "scenarios" / "index.json").write_text(json.dumps({"recorded_with": version, "scenarios": entries},
                                                             indent=1) + "\n")
    (out / "README.md").write_text(
        f"# Golden captures of {version}\n\n"
        f"Recorded by `harness/crsync_harness/recorder.py --rsync {a.rsync}` from the scenarios of "
        f"`{src.name}` ({len(entries)} scenarios), {version} as client and daemon, as root, fixtures on "
        "tmpfs, `crsync-pcap capture` on loopback. Layout and reproduction as in "
        "captures/golden-3.4.1/README.md; see docs/golden-gate.md.\n")
    if a.manifest:
        try:
            rel = out.relative_to(CAPTURES.resolve()).as_posix()
        except ValueError:
            print("recorder: --manifest needs --out under captures/", file=sys.stderr)
            return 2
        m = json.loads(manifest.MANIFEST.read_text())
        sets = [s for s in m["sets"] if s["path"] != rel]
        sets.append({"path": rel, "source": "recorded with harness/crsync_harness/recorder.py",
                     "recorded_with": f"{version} ({rsync}); as root; fixtures on tmpfs; crsync-pcap capture on "
                                      "loopback", "reproduce": "docs/golden-gate.md, section 'Recording new goldens'",
                     "scenarios": len(entries)})
        manifest.write(sets)
        print(f"recorder: added {rel} to {manifest.MANIFEST}")
    print(f"recorder: {len(entries)} scenarios of {version} in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
