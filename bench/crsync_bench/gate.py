"""The performance gate: a baseline crsync build and a candidate build run the
same benchmarks alternately in one run; the candidate fails when any
benchmark is more than 5% slower than the baseline or the geometric mean of
the candidate/baseline ratios is more than 2% slower (ci/gates/bench)."""
import argparse
import json
import math
import statistics
import sys
from pathlib import Path

from . import micro as micro_mod
from . import runner, scenarios

REPO = Path(__file__).resolve().parents[2]
DEFAULT_BASELINE = REPO / "bench" / "baseline.json"
EACH_LIMIT = 0.05
GEOMEAN_LIMIT = 0.02


def compare(base, cand, each_limit=EACH_LIMIT, geomean_limit=GEOMEAN_LIMIT, failures=()):
    """base, cand: {benchmark: median (lower is better)}. Returns a verdict:
    {"ok", "rows": [(name, base, cand, ratio, verdict)], "geomean", "reasons"}.
    A benchmark missing from either side, or a non-positive baseline, fails."""
    rows = []
    reasons = list(failures)
    logs = []
    for name in sorted(set(base) | set(cand)):
        b, c = base.get(name), cand.get(name)
        if b is None or c is None:
            rows.append((name, b, c, None, "missing"))
            reasons.append(f"{name}: missing from the {'baseline' if b is None else 'candidate'}")
            continue
        if b <= 0:
            rows.append((name, b, c, None, "bad baseline"))
            reasons.append(f"{name}: baseline value {b} is not positive")
            continue
        r = c / b
        logs.append(math.log(max(r, 1e-12)))
        slow = r > 1.0 + each_limit
        rows.append((name, b, c, r, "SLOWER" if slow else "ok"))
        if slow:
            reasons.append(f"{name}: {100 * (r - 1):.1f}% slower (limit {100 * each_limit:.0f}%)")
    geomean = math.exp(sum(logs) / len(logs)) if logs else None
    if geomean is not None and geomean > 1.0 + geomean_limit:
        reasons.append(f"geometric mean {100 * (geomean - 1):.1f}% slower "
                       f"(limit {100 * geomean_limit:.0f}%)")
    if not rows:
        reasons.append("no benchmarks compared")
    return {"ok": not reasons, "rows": rows, "geomean": geomean, "reasons": reasons}


def e2e_medians(results, tool):
    """{scenario: median of its gate metric} for one tool of a suite run, and
    the list of failures (non-zero exits, failed clients)."""
    med = {}
    failures = []
    for name, res in results["scenarios"].items():
        t = res["tools"].get(tool)
        if not t:
            continue
        med[name] = t["median"][res["metric"]]
        if not t["ok"]:
            failures.append(f"{name}: {tool} had a failed run (exit codes {t['rc']})")
    return med, failures


def micro_medians(bench_dirs, reps, min_time, benchmark_filter, log):
    """Alternates the micro suites of two build folders; median real time of
    each benchmark per side. bench_dirs: [(label, dir)]."""
    runs = {label: [] for label, _ in bench_dirs}
    for rep in range(reps):
        order = bench_dirs[rep % 2:] + bench_dirs[:rep % 2]
        for label, d in order:
            log(f"micro rep {rep + 1}/{reps} {label}")
            runs[label].append(micro_mod.times(
                micro_mod.run_suites(d, min_time, benchmark_filter, log=lambda *_: None)))
    out = {}
    for label, lst in runs.items():
        names = set.intersection(*(set(x) for x in lst)) if lst else set()
        out[label] = {f"micro:{n}": statistics.median(x[n] for x in lst) for n in names}
    return out


def format_verdict(v):
    lines = [f"{'benchmark':40} {'baseline':>12} {'candidate':>12} {'ratio':>7}  verdict"]
    def num(x):
        return "-" if x is None else f"{x:.6g}"
    for name, b, c, r, verdict in v["rows"]:
        lines.append(f"{name:40} {num(b):>12} {num(c):>12} "
                     f"{'-' if r is None else f'{r:.3f}':>7}  {verdict}")
    if v["geomean"] is not None:
        lines.append(f"geometric mean ratio {v['geomean']:.4f}")
    lines.append("PASS" if v["ok"] else "FAIL: " + "; ".join(v["reasons"]))
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="ci/gates/bench", description=__doc__)
    ap.add_argument("--baseline-bin", required=True, help="crsync built from the baseline commit")
    ap.add_argument("--candidate-bin", required=True, help="crsync built from the candidate")
    ap.add_argument("--baseline-file", default=str(DEFAULT_BASELINE))
    ap.add_argument("--scale", type=float, help="corpus scale (default: the baseline file's)")
    ap.add_argument("--reps", type=int, help="repetitions (default: the baseline file's)")
    ap.add_argument("--work", default="/tmp/crsync-bench-gate")
    ap.add_argument("--only", help="comma-separated benchmarks (default: the baseline file's)")
    ap.add_argument("--baseline-bench-dir", help="baseline build's bench/ folder (micro suites)")
    ap.add_argument("--candidate-bench-dir", help="candidate build's bench/ folder")
    ap.add_argument("--record", action="store_true",
                    help="write the baseline file from this run's baseline numbers")
    ap.add_argument("--baseline-commit", help="commit the baseline binary was built from "
                    "(recorded with --record; default: HEAD)")
    ap.add_argument("--json", help="write the verdict and numbers here")
    a = ap.parse_args(argv)

    cfg = {}
    bf = Path(a.baseline_file)
    if bf.exists():
        cfg = json.loads(bf.read_text())
    scale = a.scale if a.scale is not None else cfg.get("scale", 0.05)
    reps = a.reps if a.reps is not None else cfg.get("reps", 5)
    names = a.only.split(",") if a.only else cfg.get("benchmarks")
    micro_cfg = cfg.get("micro", {})
    each = cfg.get("limits", {}).get("each", EACH_LIMIT)
    geo = cfg.get("limits", {}).get("geomean", GEOMEAN_LIMIT)

    all_s = scenarios.all_scenarios(a.work, scale)
    known = [s.name for s in all_s]
    if names:
        unknown = [n for n in names if n not in known]
        if unknown:
            print(f"unknown benchmarks: {unknown} (known: {known})", file=sys.stderr)
            return 2
        chosen = [s for s in all_s if s.name in names]
    else:
        chosen = all_s
    tools = [("baseline", Path(a.baseline_bin).resolve()),
             ("candidate", Path(a.candidate_bin).resolve())]
    for _, b in tools:
        if not b.exists():
            print(f"no such binary: {b}", file=sys.stderr)
            return 2
    results = runner.run_suite(tools, chosen, reps, scale)
    base, fail_b = e2e_medians(results, "baseline")
    cand, fail_c = e2e_medians(results, "candidate")
    if a.baseline_bench_dir and a.candidate_bench_dir:
        m = micro_medians([("baseline", a.baseline_bench_dir),
                           ("candidate", a.candidate_bench_dir)],
                          max(1, reps // 2), micro_cfg.get("min_time", 0.2),
                          micro_cfg.get("filter"), print)
        base.update(m["baseline"])
        cand.update(m["candidate"])
    v = compare(base, cand, each, geo, fail_b + fail_c)
    print(format_verdict(v))
    if a.json:
        Path(a.json).write_text(json.dumps({"verdict": v, "results": results}, indent=1) + "\n")
    if a.record:
        cfg_out = {
            "commit": a.baseline_commit or runner.git_commit(),
            "scale": scale, "reps": reps,
            "benchmarks": [s.name for s in chosen],
            "limits": {"each": each, "geomean": geo},
            "micro": micro_cfg or {"min_time": 0.2, "filter": None},
            "recorded": results["meta"]["date"],
            "baseline_medians": base,
        }
        bf.write_text(json.dumps(cfg_out, indent=1) + "\n")
        print(f"baseline written to {bf}")
    return 0 if v["ok"] else 1
