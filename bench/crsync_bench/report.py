"""Writes results: JSON, a markdown table and a PNG chart."""
import json
from pathlib import Path


def _fmt(v, metric):
    if v is None:
        return "-"
    if metric == "maxrss_kb":
        return f"{v / 1024:.1f} MiB"
    return f"{v:.3f} s"


def _ratio(v):
    return "-" if v is None else f"{v:.2f}"


def markdown(results, subject="crsync", upstream="rsync-3.5.0"):
    m = results["meta"]
    lines = [f"Commit `{m['commit'][:12]}`, {m['date']}, scale {m['scale']}, "
             f"{m['reps']} repetitions (alternating tools), {m['cpus']} CPUs, "
             f"load average {m['loadavg_start'][0]:.1f} at start, "
             f"{m.get('loadavg_end', [0])[0]:.1f} at end. Medians; ratios are "
             f"{subject}/other from the same run.", ""]
    tools = list(m["tools"])
    others = [t for t in tools if t != subject]
    head = ["scenario", "metric"] + tools + [f"{subject}/{t}" for t in others] + ["target"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))
    for name, res in results["scenarios"].items():
        metrics = ["wall", "cpu", "maxrss_kb"]
        for metric in metrics:
            row = [f"{name}" if metric == "wall" else "", metric]
            for t in tools:
                tr = res["tools"].get(t)
                row.append(_fmt(tr["median"][metric], metric) + ("" if tr["ok"] else " (FAILED)")
                           if tr else "")
            for t in others:
                r = (res.get("ratios", {}).get(t) or {}).get(metric)
                row.append(_ratio(r))
            tg = [c for c in res.get("targets", []) if c["metric"] == metric or
                  (metric == "wall" and c["metric"] == "failed_clients") or
                  (metric == "maxrss_kb" and c["metric"] == "rss_bytes_per_name")]
            def target_text(c):
                if c["metric"] == "rss_bytes_per_name":
                    head = (f"RSS per name <= {c['against']}'s: {c['subject']:.0f} vs "
                            f"{c['upstream']:.0f} bytes ")
                elif c["against"]:
                    head = f"<= {c['limit']} vs {c['against']}: {_ratio(c['ratio'])} "
                else:
                    head = f"failed clients {c['ratio']} "
                return head + ("met" if c["met"] else "**missed**")
            row.append("; ".join(target_text(c) for c in tg))
            lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    lines.append("Scenarios:")
    for name, res in results["scenarios"].items():
        ref = f"; reference: {res['reference']}" if res.get("reference") else ""
        clients = ""
        if "failed_clients" in res["tools"].get(subject, {}):
            clients = "; failed clients per run: " + ", ".join(
                f"{t}: {res['tools'][t]['failed_clients']}" for t in res["tools"]
                if "failed_clients" in res["tools"][t])
        lines.append(f"- `{name}`: {res['description']}{ref}{clients}")
    slope = results.get("flist_bytes_per_name")
    if slope:
        lines.append("- peak RSS per file-list name (slope between the two file-list sizes): " +
                     ", ".join(f"{t} {v:.0f} bytes" for t, v in slope.items()))
    return "\n".join(lines) + "\n"


def micro_markdown(micro):
    """A table of Google Benchmark results: {suite: benchmark JSON}."""
    lines = ["| benchmark | time | throughput |", "|---|---|---|"]
    for suite, data in micro.items():
        for b in data.get("benchmarks", []):
            if b.get("run_type") == "aggregate":
                continue
            tp = ""
            if "bytes_per_second" in b:
                tp = f"{b['bytes_per_second'] / (1 << 20):.0f} MiB/s"
            elif "items_per_second" in b:
                tp = f"{b['items_per_second'] / 1e6:.2f} M items/s"
            label = f" ({b['label']})" if b.get("label") else ""
            lines.append(f"| {suite}/{b['name']}{label} | {b['real_time']:.0f} "
                         f"{b.get('time_unit', 'ns')} | {tp} |")
    return "\n".join(lines) + "\n"


def chart(results, path, subject="crsync"):
    """Bars: subject/other wall-time ratio per scenario and tool (the file-list
    scenarios by peak RSS), with each target as a tick."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results["scenarios"])
    others = [t for t in results["meta"]["tools"] if t != subject]
    fig, ax = plt.subplots(figsize=(10, 0.6 * len(names) + 1.5))
    h = 0.8 / max(1, len(others))
    for i, t in enumerate(others):
        vals = []
        for n in names:
            res = results["scenarios"][n]
            metric = "maxrss_kb" if res["metric"] == "maxrss_kb" else "wall"
            vals.append(((res.get("ratios", {}).get(t) or {}).get(metric)) or float("nan"))
        ax.barh([k + i * h for k in range(len(names))], vals, height=h, label=f"{subject}/{t}")
    for k, n in enumerate(names):
        for c in results["scenarios"][n].get("targets", []):
            if c["against"] and c["metric"] == "wall":
                ax.plot([c["limit"]] * 2, [k - 0.1, k + 0.8], color="black", lw=2)
    ax.axvline(1.0, color="grey", ls="--", lw=1)
    ax.set_xscale("log")
    ax.set_yticks([k + 0.4 - h / 2 for k in range(len(names))])
    ax.set_yticklabels([n + (" (RSS)" if results["scenarios"][n]["metric"] == "maxrss_kb"
                             else "") for n in names])
    ax.invert_yaxis()
    ax.set_xlabel("ratio of medians, log scale (wall time; RSS for file-list memory); "
                  "black ticks: targets")
    ax.set_title(f"crsync vs upstream and references, scale {results['meta']['scale']}")
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_all(results, outdir, micro=None, stem="e2e"):
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / f"{stem}.json").write_text(json.dumps(results, indent=1) + "\n")
    md = "# crsync end-to-end benchmarks\n\n" + markdown(results)
    if micro:
        (outdir / "micro.json").write_text(json.dumps(micro, indent=1) + "\n")
        md += "\n## Micro benchmarks\n\n" + micro_markdown(micro)
    (outdir / f"{stem}.md").write_text(md)
    try:
        chart(results, outdir / f"{stem}.png")
    except ImportError as e:
        print(f"no chart: {e}")
    return md
