"""Runs the Google Benchmark micro suites of a build folder (JSON output)."""
import json
import subprocess
from pathlib import Path

SUITES = ("checksum_bench", "wire_bench", "delta_bench", "flist_bench")


def run_suites(bench_dir, min_time=0.5, benchmark_filter=None, log=print):
    """{suite: Google Benchmark JSON} for every suite built in bench_dir."""
    out = {}
    for suite in SUITES:
        exe = Path(bench_dir) / suite
        if not exe.exists():
            raise FileNotFoundError(f"{exe} is not built")
        argv = [str(exe), "--benchmark_format=json", f"--benchmark_min_time={min_time}"]
        if benchmark_filter:
            argv.append(f"--benchmark_filter={benchmark_filter}")
        p = subprocess.run(argv, capture_output=True, text=True, timeout=1800)
        if p.returncode != 0:
            raise RuntimeError(f"{suite} failed ({p.returncode}): {p.stderr[-2000:]}")
        data = json.loads(p.stdout)
        errors = [b["name"] for b in data.get("benchmarks", []) if b.get("error_occurred")]
        if errors:
            raise RuntimeError(f"{suite}: benchmarks reported errors: {errors}")
        log(f"  {suite}: {len(data.get('benchmarks', []))} benchmarks")
        out[suite] = data
    return out


def times(micro):
    """{"suite/name": real_time in ns} of a run_suites answer."""
    scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
    t = {}
    for suite, data in micro.items():
        for b in data.get("benchmarks", []):
            if b.get("run_type") == "aggregate":
                continue
            t[f"{suite}/{b['name']}"] = b["real_time"] * scale.get(b.get("time_unit", "ns"), 1.0)
    return t
