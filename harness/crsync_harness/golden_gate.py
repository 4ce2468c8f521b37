"""The golden-bytes gate: crsync against the recorded sessions of an upstream
rsync (by default captures/golden-3.4.1), in both roles, every scenario.

  client role  crsync runs the scenario's command line against
               `crsync-pcap replay --as-server` (the recorded daemon's bytes);
               its stream must equal the recorded client stream at the
               required level (L1 unless the ledger says L2), its exit code,
               stdout and stderr the recorded ones (timings masked), and for
               pulls and listings the destination the recorded result_tree.
  server role  `crsync-pcap replay --as-client` (the recorded client's bytes)
               drives `crsync --daemon --no-detach` with the scenario's daemon
               config; its stream must equal the recorded server stream, and
               for pushes the destination the recorded result_tree.

A ledger (ci/gates/golden-ledger.json) may name checks that cannot agree for
a reason upstream imposes: a lower required level, or one check expected to
fail. Everything else is still checked, and a ledgered check that passes
fails the gate (the ledger is stale).

  /usr/bin/python3 -m crsync_harness.golden_gate [--crsync BIN] [--pcap BIN]
      [--captures SET_DIR] [--ledger FILE] [--results DIR] [--jobs N]
      [--only NAME...] [--roles client,server]

Writes DIR/golden.json, DIR/golden.xml (JUnit) and DIR/golden.md (the
table); prints the table; exits 1 on any failure, 2 on unusable input."""
import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from xml.sax.saxutils import quoteattr, escape

from .golden_scenarios import Workdir, free_port, wait_port
from .paths import GOLDEN, REPO
from .tree import result_tree, result_tree_differences

LEVELS = ("L0", "L1", "L2")
CHECKS = ("stream", "exit", "stdout", "stderr", "tree")
TIMEOUT = 90


def default_binary(*rel) -> Path:
    for b in ("ci", "default", "asan", "coverage"):
        p = REPO.joinpath("build", b, *rel)
        if p.exists():
            return p
    raise SystemExit(f"no {'/'.join(rel)} under build/: build first")


# Time-dependent numbers in a client's output, masked on both sides.
_TIMING = [
    (re.compile(r"File list (generation|transfer) time: [0-9.]+ seconds"), r"File list \1 time: <masked> seconds"),
    (re.compile(r"[0-9][0-9,]*\.[0-9]+ bytes/sec"), "<masked> bytes/sec"),
]


def mask_timing(text: str) -> str:
    for pat, rep in _TIMING:
        text = pat.sub(rep, text)
    return text


def first_line_difference(want: str, got: str) -> str:
    a, b = want.splitlines(), got.splitlines()
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else "<end>"
        y = b[i] if i < len(b) else "<end>"
        if x != y:
            return f"line {i + 1}: expected {x!r}, got {y!r}"
    return "same lines, different line ends"


TREATMENTS = ("expect-fail", "level-L2", "error-trailer", "unordered-lines")


class Ledger:
    """Known, explained exceptions, one entry per (scenario, role, check):

      expect-fail      the check fails; it passing fails the gate (stale);
      level-L2         the stream is held to L2 instead of L1 (it holding
                       at L1 fails the gate);
      error-trailer    stream/stdout/stderr: an error line's trailer
                       " at FILE(LINE) [ROLE=VERSION]" is compared as equal,
                       the rest must agree (a trailer that already agrees
                       fails the gate);
      unordered-lines  stdout/stderr: the same lines, in any order (for
                       interleavings that depend on scheduling; no stale
                       check, since the order may agree by chance).

    Each entry has a reason and an origin ("upstream": a reason upstream
    imposes; "crsync": a known gap of crsync, to be fixed)."""

    def __init__(self, path=None):
        data = json.loads(Path(path).read_text()) if path else {}
        self.entries = {}
        for e in data.get("entries", []):
            if e.get("treatment") not in TREATMENTS or e.get("check") not in CHECKS or not e.get("reason") \
                    or e.get("role") not in ("client", "server") or e.get("origin") not in ("upstream", "crsync"):
                raise ValueError(f"bad ledger entry: {e}")
            if e["treatment"] == "level-L2" and e["check"] != "stream":
                raise ValueError(f"level-L2 applies to the stream only: {e}")
            key = (e["scenario"], e["role"], e["check"])
            if key in self.entries:
                raise ValueError(f"two ledger entries for {key}")
            self.entries[key] = e

    def get(self, scenario, role, check):
        return self.entries.get((scenario, role, check))

    def required_level(self, scenario, role):
        e = self.get(scenario, role, "stream")
        return "L2" if e and e["treatment"] == "level-L2" else "L1"

    def treatment(self, scenario, role, check):
        e = self.get(scenario, role, check)
        return e["treatment"] if e else None


_TRAILER = re.compile(r" at [^ ()]+\([0-9]+\) \[[^=\]]+=[^\]]+\]$", re.M)


def mask_trailer(text: str) -> str:
    return _TRAILER.sub(" at <src>", text)


def _replay_json(out: str, err: str) -> dict:
    out = out.strip()
    start = out.find("{")
    if start >= 0:
        try:
            return json.loads(out[start:])
        except json.JSONDecodeError:
            pass
    return {"error": (err.strip() or out or "no report")[-400:]}


def _stream_result(rep: dict) -> dict:
    levels = {l: bool((rep.get(l) or {}).get("holds")) for l in LEVELS}
    first = {l: (rep.get(l) or {}).get("first_divergence", "") for l in LEVELS}
    trailer = {l: (rep.get(l) or {}).get("trailer_masked", 0) for l in LEVELS}
    reached = next((l for l in LEVELS if levels[l]), "none")
    return {"levels": levels, "first_divergence": first, "reached": reached, "trailer_masked": trailer,
            "error": rep.get("error", "")}


def run_client_role(name, set_dir, crsync, pcap, mask_trailer_flag=False) -> dict:
    """crsync as the client, the recorded daemon replayed."""
    w = Workdir(name, set_dir)
    port = free_port()
    capture = Path(set_dir) / "scenarios" / name / "capture.pcap"
    srv = None
    try:
        srv = subprocess.Popen([str(pcap), "replay", "--as-server", str(capture), "--port", str(port), "--json",
                                "--timeout", str(TIMEOUT - 10)] +
                               (["--mask-error-trailer"] if mask_trailer_flag else []),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = srv.stdout.readline()
        if not line.startswith("listening on"):
            out, err = srv.communicate(timeout=10)
            return {"stream": {"error": f"replay did not listen: {line}{out}{err}"[-400:]}}
        try:
            c = subprocess.run(w.client_argv(port, str(crsync)), cwd=w.root, env=w.client_env(),
                               capture_output=True, timeout=TIMEOUT)
            c_out, c_err, c_rc = c.stdout, c.stderr, c.returncode
        except subprocess.TimeoutExpired as e:
            c_out, c_err, c_rc = e.stdout or b"", e.stderr or b"", "timeout"
        try:
            # The replay ends soon after its client (a client that never
            # connected leaves it waiting: stop it).
            out, err = srv.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            srv.kill()
            out, err = srv.communicate()
            err = f"replay still running 15 s after the client ended; {err}"
        rep = _replay_json(out, err)
        sdir = Path(set_dir) / "scenarios" / name
        expect = {}
        for stream in ("stdout", "stderr"):
            text = (sdir / f"client.{stream}").read_text(errors="replace")
            expect[stream] = text.replace("{work}", str(w.root)).replace("{port}", str(port))
        got = {"stdout": c_out.decode(errors="replace"), "stderr": c_err.decode(errors="replace")}
        res = {"stream": _stream_result(rep), "exit": {"expected": w.sc["exit_code"], "got": c_rc}}
        for stream in ("stdout", "stderr"):
            res[stream] = {"expected": mask_timing(expect[stream]), "got": mask_timing(got[stream])}
        if w.sc["direction"] != "push":
            res["tree"] = _tree_check(w)
        return res
    finally:
        if srv is not None and srv.poll() is None:
            srv.kill()
            srv.wait()
        w.cleanup()


def run_server_role(name, set_dir, crsync, pcap, mask_trailer_flag=False) -> dict:
    """crsync as the daemon, the recorded client replayed."""
    w = Workdir(name, set_dir)
    port = free_port()
    capture = Path(set_dir) / "scenarios" / name / "capture.pcap"
    log = w.root / "daemon.out"
    with open(log, "wb") as out:
        d = subprocess.Popen([str(crsync), "--daemon", "--no-detach", f"--config={w.conf}", f"--port={port}",
                              "--address=127.0.0.1"], stdout=out, stderr=subprocess.STDOUT)
    try:
        try:
            wait_port(port)
        except TimeoutError:
            return {"stream": {"error": "crsync daemon did not listen: " + log.read_text(errors="replace")[-300:]}}
        env = dict(os.environ)
        env.update(w.sc.get("env", {}))
        r = subprocess.run([str(pcap), "replay", "--as-client", str(capture), "--port", str(port), "--json",
                            "--timeout", str(TIMEOUT - 10)] + (["--mask-error-trailer"] if mask_trailer_flag else []),
                           capture_output=True, text=True, env=env, timeout=TIMEOUT)
        res = {"stream": _stream_result(_replay_json(r.stdout, r.stderr))}
        if w.sc["direction"] == "push":
            # The session is over when the replay ends; let the daemon's
            # child finish its last writes.
            time.sleep(0.2)
            res["tree"] = _tree_check(w)
        return res
    finally:
        if d.poll() is None:
            d.terminate()
            try:
                d.wait(timeout=5)
            except subprocess.TimeoutExpired:
                d.kill()
                d.wait()
        w.cleanup()


def _tree_check(w: Workdir) -> dict:
    got = result_tree(w.root / "dst")
    diffs = result_tree_differences(w.sc["result_tree"], got)
    return {"same": not diffs, "detail": "; ".join(diffs)}


def _text_outcome(check, r, treatment):
    """(ok, detail, stale) of a stdout/stderr comparison under a treatment."""
    a, b = r["expected"], r["got"]
    if a == b:
        # An error-trailer entry whose texts agree outright is stale.
        return True, "", treatment == "error-trailer"
    if treatment == "error-trailer":
        a2, b2 = mask_trailer(a), mask_trailer(b)
        return a2 == b2, f"{check} differs beyond the error trailer: {first_line_difference(a2, b2)}", False
    if treatment == "unordered-lines":
        same = sorted(a.splitlines()) == sorted(b.splitlines())
        return same, f"{check} has other lines (in any order): {first_line_difference(a, b)}", False
    return False, f"{check} differs: {first_line_difference(a, b)}", False


def judge(name, role, res, ledger: Ledger) -> dict:
    """Turns raw results into per-check verdicts and the check's status:
    pass, fail (with the reasons, each naming the detail), or xfail."""
    required = ledger.required_level(name, role)
    s = res.get("stream", {})
    outcomes = {}  # check -> (ok, detail, stale)
    if s.get("levels"):
        treat = ledger.treatment(name, role, "stream")
        ok = s["levels"][required]
        detail = ""
        stale = False
        if not ok:
            detail = f"stream differs at {required}: {s['first_divergence'][required]}"
            if s.get("error"):
                detail += f" (replay: {s['error']})"
        elif treat == "level-L2" and s["levels"]["L1"]:
            stale = True
        elif treat == "error-trailer" and not s["trailer_masked"].get(required):
            stale = True
        outcomes["stream"] = (ok, detail, stale)
    else:
        outcomes["stream"] = (False, f"no stream comparison: {s.get('error', 'unknown error')}", False)
    if "exit" in res:
        e = res["exit"]
        outcomes["exit"] = (e["expected"] == e["got"], f"exit code expected {e['expected']}, got {e['got']}", False)
    for k in ("stdout", "stderr"):
        if k in res:
            outcomes[k] = _text_outcome(k, res[k], ledger.treatment(name, role, k))
    if "tree" in res:
        outcomes["tree"] = (res["tree"]["same"], f"result tree differs: {res['tree']['detail']}", False)
    failures, expected, ledgered = [], [], []
    for check, (ok, detail, stale) in outcomes.items():
        entry = ledger.get(name, role, check)
        if entry:
            ledgered.append(f"{check}: {entry['treatment']}")
        if entry and entry["treatment"] == "expect-fail":
            if ok:
                failures.append(f"{check}: ledgered as diverging ({entry['reason']}) but it agrees: unexpected pass")
            else:
                expected.append(f"{check}: {detail} [ledger, origin {entry['origin']}]")
        elif stale:
            failures.append(f"{check}: ledgered as {entry['treatment']} ({entry['reason']}) but it agrees "
                            f"without that: the ledger entry is stale")
        elif not ok:
            failures.append(f"{check}: {detail}")
    for (sc, rl, check), entry in ledger.entries.items():
        if sc == name and rl == role and check not in outcomes:
            failures.append(f"{check}: ledgered ({entry['treatment']}) but this role has no such check")
    status = "fail" if failures else ("xfail" if expected else "pass")
    return {"scenario": name, "role": role, "required": required, "reached": s.get("reached", "none"),
            "checks": {k: ("ok" if ok else "differs") for k, (ok, _, _) in outcomes.items()},
            "ledgered": ledgered, "status": status, "failures": failures, "expected_failures": expected,
            "raw": res}


def run_check(name, role, set_dir, crsync, pcap, ledger) -> dict:
    t0 = time.monotonic()
    try:
        fn = run_client_role if role == "client" else run_server_role
        res = fn(name, set_dir, crsync, pcap, ledger.treatment(name, role, "stream") == "error-trailer")
    except Exception as e:  # a crashed check is a failed check, never a skipped one
        res = {"stream": {"error": f"{type(e).__name__}: {e}"}}
    out = judge(name, role, res, ledger)
    out["seconds"] = round(time.monotonic() - t0, 2)
    return out


def table(results) -> str:
    rows = ["| scenario | role | required | reached | exit | stdout | stderr | tree | ledger | result |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        c = r["checks"]
        rows.append(f"| {r['scenario']} | {r['role']} | {r['required']} | {r['reached']} | {c.get('exit', '-')} | "
                    f"{c.get('stdout', '-')} | {c.get('stderr', '-')} | {c.get('tree', '-')} | "
                    f"{', '.join(r['ledgered']) or '-'} | {r['status']} |")
    return "\n".join(rows)


def junit(results, seconds) -> str:
    fails = sum(r["status"] == "fail" for r in results)
    skipped = sum(r["status"] == "xfail" for r in results)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<testsuite name="golden" tests="{len(results)}" failures="{fails}" errors="0" skipped="{skipped}" '
           f'time="{seconds:.2f}">']
    for r in results:
        out.append(f'  <testcase classname="golden.{r["role"]}" name={quoteattr(r["scenario"])} '
                   f'time="{r["seconds"]:.2f}">')
        if r["status"] == "fail":
            msg = "; ".join(r["failures"])
            out.append(f'    <failure message={quoteattr(msg[:1000])}>{escape(msg)}</failure>')
        elif r["status"] == "xfail":
            out.append(f'    <skipped message={quoteattr("; ".join(r["expected_failures"])[:1000])}/>')
        out.append("  </testcase>")
    out.append("</testsuite>")
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="crsync against recorded upstream sessions, both roles.")
    ap.add_argument("--crsync", type=Path)
    ap.add_argument("--pcap", type=Path, help="the crsync-pcap tool")
    ap.add_argument("--captures", type=Path, default=GOLDEN, help="a capture set folder (default golden-3.4.1)")
    ap.add_argument("--ledger", type=Path, default=REPO / "ci" / "gates" / "golden-ledger.json")
    ap.add_argument("--results", type=Path, default=REPO / "build" / "gates" / "golden")
    ap.add_argument("--jobs", type=int, default=4, help="checks run at once (they mostly wait on sockets)")
    ap.add_argument("--only", nargs="*", help="scenario names")
    ap.add_argument("--roles", default="client,server")
    a = ap.parse_args(argv)
    crsync = a.crsync or default_binary("impl", "crsync")
    pcap = a.pcap or default_binary("harness", "pcap", "crsync-pcap")
    set_dir = a.captures.resolve()
    index = set_dir / "scenarios" / "index.json"
    if not index.exists():
        print(f"golden gate: {index}: no scenario index", file=sys.stderr)
        return 2
    names = [s["name"] for s in json.loads(index.read_text())["scenarios"]]
    if a.only:
        unknown = sorted(set(a.only) - set(names))
        if unknown:
            print(f"golden gate: not in {index}: {' '.join(unknown)}", file=sys.stderr)
            return 2
        names = [n for n in names if n in a.only]
    roles = [r for r in a.roles.split(",") if r]
    if not names or any(r not in ("client", "server") for r in roles) or not roles:
        print("golden gate: nothing to check (scenarios or roles)", file=sys.stderr)
        return 2
    if not a.ledger.exists():
        print(f"golden gate: no ledger {a.ledger}", file=sys.stderr)
        return 2
    ledger = Ledger(a.ledger)
    jobs = [(n, r) for n in names for r in roles]
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        futs = [ex.submit(run_check, n, r, set_dir, crsync, pcap, ledger) for n, r in jobs]
        results = [f.result() for f in futs]
    seconds = time.monotonic() - t0
    a.results.mkdir(parents=True, exist_ok=True)
    tab = table(results)
    summary = {s: sum(r["status"] == s for r in results) for s in ("pass", "xfail", "fail")}
    (a.results / "golden.json").write_text(json.dumps(
        {"captures": str(set_dir), "crsync": str(crsync), "pcap": str(pcap), "seconds": round(seconds, 1),
         "summary": summary, "checks": results}, indent=1) + "\n")
    (a.results / "golden.xml").write_text(junit(results, seconds))
    (a.results / "golden.md").write_text(tab + "\n")
    print(tab)
    for r in results:
        for f in r["failures"]:
            print(f"FAIL {r['scenario']} [{r['role']}] {f}")
        for f in r["expected_failures"]:
            print(f"XFAIL {r['scenario']} [{r['role']}] {f}")
    print(f"golden gate: {len(results)} checks, {summary['pass']} pass, {summary['xfail']} ledgered, "
          f"{summary['fail']} fail ({seconds:.0f}s); results in {a.results}")
    return 1 if summary["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
