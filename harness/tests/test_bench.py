"""The benchmark runner and the performance gate (bench/crsync_bench,
ci/gates/bench): the comparison rules, deterministic corpora, the measuring
launcher, the report, and the gate run end to end on a real slowdown."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))

from crsync_bench import corpus, gate, measure, report, runner  # noqa: E402

# ---- comparison rules ----

BASE = {"a": 1.0, "b": 2.0, "c": 0.5, "d": 4.0}


def test_equal_numbers_pass():
    v = gate.compare(BASE, dict(BASE))
    assert v["ok"], v["reasons"]
    assert v["geomean"] == pytest.approx(1.0)


def test_one_benchmark_ten_percent_slower_fails():
    cand = dict(BASE, b=2.2)
    v = gate.compare(BASE, cand)
    assert not v["ok"]
    assert any(r.startswith("b: 10.0% slower") for r in v["reasons"])
    assert [row[4] for row in v["rows"] if row[0] == "b"] == ["SLOWER"]


def test_four_percent_slower_passes_alone_but_not_everywhere():
    # One benchmark 4% slower: under the 5% limit, geomean ~1% -> pass.
    assert gate.compare(BASE, dict(BASE, a=1.04))["ok"]
    # Every benchmark 3% slower: each under 5%, geomean 3% > 2% -> fail.
    v = gate.compare(BASE, {k: x * 1.03 for k, x in BASE.items()})
    assert not v["ok"]
    assert v["reasons"] == ["geometric mean 3.0% slower (limit 2%)"]


def test_faster_candidate_passes_and_missing_benchmark_fails():
    assert gate.compare(BASE, {k: x * 0.5 for k, x in BASE.items()})["ok"]
    v = gate.compare(BASE, {k: x for k, x in BASE.items() if k != "c"})
    assert not v["ok"] and "c: missing from the candidate" in v["reasons"]


def test_failed_runs_fail_the_gate():
    v = gate.compare(BASE, dict(BASE), failures=["x: candidate had a failed run"])
    assert not v["ok"]


# ---- corpora ----

def test_tree_is_deterministic(tmp_path):
    a = corpus.make_tree(tmp_path / "a", 250, 4096, per_dir=100, seed=9)
    b = corpus.make_tree(tmp_path / "b", 250, 4096, per_dir=100, seed=9)
    c = corpus.make_tree(tmp_path / "c", 250, 4096, per_dir=100, seed=10)
    assert corpus.tree_digest(a) == corpus.tree_digest(b)
    assert corpus.tree_digest(a) != corpus.tree_digest(c)
    files = sorted(p for p in a.rglob("*") if p.is_file())
    assert len(files) == 250 and len({p.read_bytes() for p in files}) == 250
    assert {p.stat().st_mtime for p in files} == {corpus.FIXED_MTIME}


def test_stamp_reuses_a_tree_and_rebuilds_a_different_one(tmp_path):
    t = corpus.make_tree(tmp_path / "t", 10, 100, seed=1)
    marker = t / "d00000" / "f0000000"
    os.utime(marker, (1, 1))
    corpus.make_tree(tmp_path / "t", 10, 100, seed=1)  # reused as is
    assert marker.stat().st_mtime == 1
    corpus.make_tree(tmp_path / "t", 12, 100, seed=1)  # other parameters: rebuilt
    assert marker.stat().st_mtime == corpus.FIXED_MTIME
    assert len(list(t.rglob("f*"))) == 12


def test_delta_pair_is_deterministic_and_edited(tmp_path):
    b1, n1 = corpus.make_delta_pair(tmp_path / "x", 1 << 20, 100, 100)
    b2, n2 = corpus.make_delta_pair(tmp_path / "y", 1 << 20, 100, 100)
    assert b1.read_bytes() == b2.read_bytes()
    new = (n1 / "file").read_bytes()
    assert new == (n2 / "file").read_bytes()
    old = b1.read_bytes()
    diff = sum(1 for i in range(0, len(old), 100) if old[i:i + 100] != new[i:i + 100])
    assert 90 <= diff <= 200  # ~100 edits of 100 bytes, each touching 1-2 slots


# ---- measuring ----

def test_launcher_reports_the_commands_own_rss_and_exit_code():
    small = measure.run(["true"])
    assert small.rc == 0 and small.maxrss_kb < 8 * 1024  # not Python's RSS
    big = measure.run([sys.executable, "-c", "b = bytearray(200 << 20); b[::4096] = b'x' * len(b[::4096])"])
    assert big.rc == 0 and big.maxrss_kb > 200 * 1024
    assert measure.run(["sh", "-c", "exit 3"]).rc == 3
    busy = measure.run(["sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"])
    assert busy.cpu > 0.05 and busy.wall >= busy.cpu * 0.5


def test_run_many_counts_failed_commands():
    s = measure.run_many([["true"], ["false"], ["sh", "-c", "exit 2"], ["true"]])
    assert s.extra == {"failed": 2, "clients": 4} and s.rc == 1


# ---- ratios and report ----

def _synthetic():
    def tool(wall, rss=1000):
        return {"median": {"wall": wall, "cpu": wall / 2, "maxrss_kb": rss}, "ok": True,
                "rc": [0], "wall": [wall], "cpu": [wall / 2], "maxrss_kb": [rss]}
    return {"meta": {"commit": "0" * 40, "date": "d", "scale": 1, "reps": 1, "cpus": 2,
                     "loadavg_start": [0], "loadavg_end": [0],
                     "tools": {"crsync": {}, "rsync-3.5.0": {}, "reference": {}}},
            "scenarios": {
                "local_small_files": {"description": "x", "reference": "cp -a", "metric": "wall",
                                      "tools": {"crsync": tool(0.6), "rsync-3.5.0": tool(1.0),
                                                "reference": tool(0.3)}},
                "delta_update": {"description": "y", "reference": None, "metric": "wall",
                                 "tools": {"crsync": tool(0.9), "rsync-3.5.0": tool(1.0)}}}}


def test_targets_are_judged_from_ratios_of_the_same_run():
    r = runner.add_ratios(_synthetic())
    small = r["scenarios"]["local_small_files"]
    assert small["ratios"]["rsync-3.5.0"]["wall"] == pytest.approx(0.6)
    assert small["ratios"]["reference"]["wall"] == pytest.approx(2.0)
    assert small["targets"][0]["met"]  # 0.6 <= 0.7
    assert not r["scenarios"]["delta_update"]["targets"][0]["met"]  # 0.9 > 0.6
    md = report.markdown(r)
    assert "| local_small_files | wall | 0.600 s | 1.000 s | 0.300 s |" in md
    assert "<= 0.6 vs rsync-3.5.0: 0.90 **missed**" in md


# ---- the gate, end to end ----

def test_gate_fails_a_really_slower_candidate(tmp_path, crsync):
    slow = tmp_path / "slow-crsync"
    slow.write_text(f'#!/bin/sh\nsleep 0.3\nexec "{crsync}" "$@"\n')
    slow.chmod(0o755)
    baseline_file = tmp_path / "baseline.json"
    out = tmp_path / "verdict.json"
    p = subprocess.run([sys.executable, str(REPO / "ci" / "gates" / "bench"),
                        "--baseline-bin", str(crsync), "--candidate-bin", str(slow),
                        "--baseline-file", str(baseline_file), "--scale", "0.005", "--reps", "1",
                        "--only", "local_small_files", "--work", str(tmp_path / "work"),
                        "--record", "--baseline-commit", "abc123", "--json", str(out)],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "local_small_files" in p.stdout and "SLOWER" in p.stdout
    v = json.loads(out.read_text())["verdict"]
    assert not v["ok"] and v["geomean"] > 1.05
    rec = json.loads(baseline_file.read_text())
    assert rec["commit"] == "abc123" and rec["benchmarks"] == ["local_small_files"]
    assert rec["baseline_medians"]["local_small_files"] > 0


def test_many_file_destinations_are_set_aside_not_deleted(tmp_path):
    """The next repetition must not create its files right after 10,000 were
    deleted (ext4's recently-deleted inode scan); the tree moves to the trash
    and is deleted after the suite."""
    from crsync_bench import scenarios
    s = scenarios.SmallFiles(tmp_path, 0.01)
    dst = s.dst()
    dst.mkdir(parents=True)
    (dst / "f").write_text("x")
    s.prepare(("crsync", None))
    assert not dst.exists()
    kept = list(scenarios.trash_dir(tmp_path).iterdir())
    assert len(kept) == 1 and (kept[0] / "f").read_text() == "x"
    dst.mkdir()
    s.teardown()
    assert len(list(scenarios.trash_dir(tmp_path).iterdir())) == 2
    # Few large files are still deleted at once.
    big = scenarios.LargeFiles(tmp_path, 0.01)
    big.dst().mkdir(parents=True)
    big.prepare(("crsync", None))
    assert not big.dst().exists()
    assert len(list(scenarios.trash_dir(tmp_path).iterdir())) == 2
