#!/usr/bin/python3
"""crsync's benchmarks: the end-to-end suite against upstream rsync (and a
physical reference per scenario), optionally the micro suites; results as
JSON, markdown and PNG under bench/results/. See bench/README.md.

  /usr/bin/python3 bench/run.py                      # full scale, 5 repetitions
  /usr/bin/python3 bench/run.py --scale 0.25 --reps 3
  /usr/bin/python3 bench/run.py --smoke              # CI: smallest scale, once, no timing checks
"""
import argparse
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))

from crsync_bench import micro, report, runner, scenarios  # noqa: E402
from crsync_harness import paths  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--crsync", help="crsync binary (default: CRSYNC_BIN or the first build)")
    ap.add_argument("--scale", type=float, help="corpus scale (default 1.0; --smoke: 0.01)")
    ap.add_argument("--reps", type=int, help="repetitions per tool (default 5; --smoke: 1)")
    ap.add_argument("--only", help="comma-separated scenario names")
    ap.add_argument("--list", action="store_true", help="list the scenarios and exit")
    ap.add_argument("--work", help="corpora and destinations (default /tmp/crsync-bench-<scale>)")
    ap.add_argument("--out", help="results folder (default bench/results; --smoke: none)")
    ap.add_argument("--micro-dir", help="a build's bench/ folder: run the micro suites too")
    ap.add_argument("--micro-min-time", type=float, default=0.5)
    ap.add_argument("--smoke", action="store_true",
                    help="smallest scale, one repetition; fails only when a run fails")
    ap.add_argument("--report-only", metavar="JSON",
                    help="rewrite the markdown and chart of a results JSON and exit")
    a = ap.parse_args(argv)
    if a.report_only:
        src = Path(a.report_only)
        res = runner.add_ratios(json.loads(src.read_text()))
        micro_json = src.with_name("micro.json")
        mres = json.loads(micro_json.read_text()) if micro_json.exists() else None
        print(report.write_all(res, a.out or src.parent, micro=mres, stem=src.stem))
        return 0

    scale = a.scale if a.scale is not None else (0.01 if a.smoke else 1.0)
    reps = a.reps if a.reps is not None else (1 if a.smoke else 5)
    work = Path(a.work or f"/tmp/crsync-bench-{scale:g}")
    all_s = scenarios.all_scenarios(work, scale)
    if a.list:
        for s in all_s:
            print(f"{s.name:24} {s.description}")
        return 0
    if a.only:
        wanted = a.only.split(",")
        unknown = set(wanted) - {s.name for s in all_s}
        if unknown:
            print(f"unknown scenarios: {sorted(unknown)}", file=sys.stderr)
            return 2
        all_s = [s for s in all_s if s.name in wanted]

    crsync = Path(a.crsync) if a.crsync else paths.crsync_bin()
    tools = [("crsync", crsync.resolve())]
    tools += [(f"rsync-{v}", p) for v, p in sorted(paths.upstream_peers().items(),
                                                     reverse=True)]
    tools.append((scenarios.REFERENCE, None))

    mres = None
    if a.micro_dir:
        print(f"== micro suites in {a.micro_dir}")
        mres = micro.run_suites(a.micro_dir, a.micro_min_time)
    out = a.out if a.out else (None if a.smoke else str(Path(__file__).resolve().parent /
                                                        "results"))

    def save_partial(res):
        if out:
            Path(out).mkdir(parents=True, exist_ok=True)
            (Path(out) / "e2e.partial.json").write_text(json.dumps(res, indent=1) + "\n")

    try:
        results = runner.add_ratios(runner.run_suite(tools, all_s, reps, scale,
                                                     on_scenario=save_partial))
    finally:
        shutil.rmtree(scenarios.trash_dir(work), ignore_errors=True)
    md = report.markdown(results)
    print()
    print(md)
    if out:
        report.write_all(results, out, micro=mres)
        (Path(out) / "e2e.partial.json").unlink(missing_ok=True)
        print(f"results written to {out}")
    failed = [f"{n}/{t}" for n, r in results["scenarios"].items()
              for t, tr in r["tools"].items() if not tr["ok"]]
    if results.get("errors"):
        print(f"scenario errors: {results['errors']}", file=sys.stderr)
        return 1
    if failed:
        print(f"FAILED runs: {failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
