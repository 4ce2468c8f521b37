"""Runs scenarios with every tool, alternating: each repetition runs every
tool once, in an order rotated from one repetition to the next, so slow
drifts of the machine fall on every tool alike. Reports medians."""
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from . import scenarios as sc

REPO = Path(__file__).resolve().parents[2]
METRICS = ("wall", "cpu", "maxrss_kb")


def git_commit():
    try:
        return subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def tool_version(binary):
    if binary is None:
        return ""
    try:
        out = subprocess.run([str(binary), "--version"], capture_output=True, text=True,
                             timeout=10).stdout
        return out.splitlines()[0].strip() if out else ""
    except (OSError, subprocess.SubprocessError):
        return ""


def reps_for(scenario, reps):
    return max(1, int(math.ceil(reps * scenario.reps_factor))) if reps > 1 else 1


def median_of(samples, metric):
    return statistics.median(getattr(s, metric) for s in samples)


def run_scenario(scenario, tools, reps, log=print):
    """tools: list of (name, binary). Returns the scenario's result dict."""
    tools = [t for t in tools if t[1] is not None or scenario.reference]
    scenario.setup(tools)
    runs = {name: [] for name, _ in tools}
    n = reps_for(scenario, reps)
    # One unmeasured run of every tool first (not in a smoke run): the first
    # command of a scenario pays for the state the previous one left (dirty
    # pages still being written back, evicted corpora, the daemon's first
    # connection), which in session 8's and 9's full runs made whichever tool
    # came first 2-6x slower than its own later repetitions.
    warmup = 1 if reps > 1 else 0
    try:
        for tool in tools[:] if warmup else []:
            scenario.prepare(tool)
            s = scenario.measure(tool)
            log(f"  {scenario.name} warm-up {tool[0]}: wall {s.wall:.3f}s (not counted)")
        for rep in range(n):
            order = tools[rep % len(tools):] + tools[:rep % len(tools)]
            for tool in order:
                scenario.prepare(tool)
                s = scenario.measure(tool)
                runs[tool[0]].append(s)
                log(f"  {scenario.name} rep {rep + 1}/{n} {tool[0]}: wall {s.wall:.3f}s "
                    f"cpu {s.cpu:.3f}s rss {s.maxrss_kb} KiB rc {s.rc}"
                    + (f" failed {s.extra['failed']}/{s.extra['clients']}"
                       if "failed" in s.extra else ""))
                if s.rc != 0 and s.stderr:
                    log("    " + s.stderr.strip().replace("\n", "\n    ")[-1500:])
    finally:
        scenario.teardown()
    out = {"description": scenario.description, "reference": scenario.reference,
           "metric": scenario.metric, "reps": n, "warmup": warmup, "tools": {}}
    for name, samples in runs.items():
        t = {m: [getattr(s, m) for s in samples] for m in METRICS}
        t["rc"] = [s.rc for s in samples]
        t["median"] = {m: median_of(samples, m) for m in METRICS}
        t["ok"] = all(s.rc == 0 for s in samples)
        if samples and "failed" in samples[0].extra:
            t["failed_clients"] = [s.extra["failed"] for s in samples]
            t["clients"] = samples[0].extra["clients"]
        out["tools"][name] = t
    return out


def ratios(result, subject, against):
    """subject/against for each metric (medians), or None where undefined."""
    a = result["tools"].get(subject)
    b = result["tools"].get(against)
    if not a or not b:
        return None
    r = {}
    for m in METRICS:
        den = b["median"][m]
        r[m] = a["median"][m] / den if den else None
    return r


def add_ratios(results, subject="crsync"):
    """Ratios subject/other tool for every scenario, targets checked, and the
    per-name RSS slope of the two file-list memory scenarios."""
    for name, res in results["scenarios"].items():
        res["ratios"] = {}
        for other in res["tools"]:
            if other != subject:
                res["ratios"][other] = ratios(res, subject, other)
        checks = []
        for against, metric, limit in sc.TARGETS.get(name, []):
            r = (res["ratios"].get(against) or {}).get(metric)
            checks.append({"against": against, "metric": metric, "limit": limit, "ratio": r,
                           "met": r is not None and r <= limit})
        if name == "concurrent_clients" and subject in res["tools"]:
            failed = sum(res["tools"][subject].get("failed_clients", [1]))
            checks.append({"against": None, "metric": "failed_clients", "limit": 0,
                           "ratio": failed, "met": failed == 0})
        res["targets"] = checks
    small = results["scenarios"].get("flist_memory_100k")
    big = results["scenarios"].get("flist_memory_1m")
    if small and big:
        files_small = small["files"]
        files_big = big["files"]
        slope = {}
        for tool in big["tools"]:
            if tool in small["tools"] and files_big > files_small:
                d = big["tools"][tool]["median"]["maxrss_kb"] - \
                    small["tools"][tool]["median"]["maxrss_kb"]
                slope[tool] = d * 1024 / (files_big - files_small)
        results["flist_bytes_per_name"] = slope
        if subject in slope and "rsync-3.5.0" in slope:
            up = slope["rsync-3.5.0"]
            # Upstream's slope can be about 0 (incremental recursion holds one
            # directory's names at a time): then no ratio, and the target is
            # met only if crsync's slope is no higher (1 byte/name tolerance).
            r = slope[subject] / up if up > 1.0 else None
            big["targets"] = [c for c in big["targets"] if c["metric"] != "rss_bytes_per_name"]
            big["targets"].append({"against": "rsync-3.5.0", "metric": "rss_bytes_per_name",
                                   "limit": 1.0, "ratio": r, "subject": slope[subject],
                                   "upstream": up,
                                   "met": slope[subject] <= max(up, 0.0) + 1.0})
    return results


def run_suite(tools, scenario_list, reps, scale, log=print, on_scenario=None):
    """Runs every scenario; `on_scenario(results)` after each (partial saves)."""
    results = {"meta": {"commit": git_commit(), "date": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                      time.gmtime()),
                        "scale": scale, "reps": reps, "host": platform.node(),
                        "cpus": os.cpu_count(),
                        "loadavg_start": list(os.getloadavg()),
                        "python": sys.version.split()[0],
                        "tools": {n: {"binary": str(b) if b else None, "version": tool_version(b)}
                                  for n, b in tools}},
               "scenarios": {}}
    for s in scenario_list:
        log(f"== {s.name}: {s.description}")
        t0 = time.monotonic()
        try:
            res = run_scenario(s, tools, reps, log)
        except Exception as e:  # a broken scenario is reported, the others still run
            log(f"  {s.name}: ERROR {type(e).__name__}: {e}")
            results["errors"] = results.get("errors", []) + [f"{s.name}: {e!r}"]
            continue
        if hasattr(s, "files"):
            res["files"] = s.files
        res["seconds"] = round(time.monotonic() - t0, 1)
        results["scenarios"][s.name] = res
        if on_scenario:
            on_scenario(results)
    results["meta"]["loadavg_end"] = list(os.getloadavg())
    return results
