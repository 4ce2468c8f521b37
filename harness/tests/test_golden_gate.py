"""The golden-bytes gate (ci/gates/golden) can fail, and says why: a capture
set with one wire detail changed, a crsync that changes one detail of its
own, and ledger entries that no longer hold each make it fail, naming the
detail. The recorder makes a set the gate accepts."""
import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from crsync_harness import paths
from test_pcap_tool import pcap_tool

GATE = paths.REPO / "ci" / "gates" / "golden"
EMPTY_LEDGER = {"about": "none", "entries": []}


def subset(tmp_path, names, src=paths.GOLDEN):
    """A copy of a capture set holding only `names`."""
    out = tmp_path / "set"
    (out / "scenarios").mkdir(parents=True)
    shutil.copytree(src / "fixtures", out / "fixtures")
    idx = json.loads((src / "scenarios" / "index.json").read_text())
    idx["scenarios"] = [s for s in idx["scenarios"] if s["name"] in names]
    (out / "scenarios" / "index.json").write_text(json.dumps(idx))
    for n in names:
        shutil.copytree(src / "scenarios" / n, out / "scenarios" / n)
    return out


def gate(tmp_path, captures, *extra, ledger=None, crsync=None):
    results = tmp_path / "results"
    led = tmp_path / "ledger.json"
    led.write_text(json.dumps(ledger if ledger is not None else EMPTY_LEDGER))
    r = subprocess.run([str(GATE), "--crsync", str(crsync or paths.crsync_bin()), "--pcap", str(pcap_tool()),
                        "--captures", str(captures), "--ledger", str(led), "--results", str(results), *extra],
                       capture_output=True, text=True, timeout=300)
    report = json.loads((results / "golden.json").read_text()) if (results / "golden.json").exists() else None
    return r, report


def check_of(report, scenario, role):
    return next(c for c in report["checks"] if c["scenario"] == scenario and c["role"] == role)


def test_the_untouched_goldens_pass_and_the_outputs_agree(tmp_path):
    r, rep = gate(tmp_path, subset(tmp_path, ["pull-a-p32", "push-delta-itemize"]))
    assert r.returncode == 0, r.stdout + r.stderr
    assert rep["summary"] == {"pass": 4, "xfail": 0, "fail": 0}
    for c in rep["checks"]:
        assert c["reached"] in ("L0", "L1") and c["status"] == "pass"
    assert check_of(rep, "push-delta-itemize", "server")["checks"]["tree"] == "ok"
    suite = ET.parse(tmp_path / "results" / "golden.xml").getroot()
    assert suite.get("tests") == "4" and suite.get("failures") == "0"
    assert "| pull-a-p32 | client | L1 |" in (tmp_path / "results" / "golden.md").read_text()


def swap_in_pcap(pcap: Path, a: bytes, b: bytes):
    data = pcap.read_bytes()
    assert data.count(a) == 1 and data.count(b) == 1
    data = data.replace(a, b"\x01" * len(a)).replace(b, a).replace(b"\x01" * len(a), b)
    pcap.write_bytes(data)


def test_a_swapped_pair_of_server_arguments_fails_the_client_role_naming_them(tmp_path):
    # The recorded client sent "--server --sender"; in this copy it sent
    # "--sender --server" (same lengths, so only that detail changes).
    s = subset(tmp_path, ["pull-a-p32"])
    swap_in_pcap(s / "scenarios" / "pull-a-p32" / "capture.pcap", b"--server", b"--sender")
    r, rep = gate(tmp_path, s, "--roles", "client")
    assert r.returncode == 1, r.stdout
    c = check_of(rep, "pull-a-p32", "client")
    assert c["status"] == "fail"
    first = c["failures"][0]
    assert first.startswith("stream: stream differs at L1: c2s argument 0"), first
    assert "expected --sender, got --server" in first, first
    assert "FAIL pull-a-p32 [client] stream" in r.stdout
    suite = ET.parse(tmp_path / "results" / "golden.xml").getroot()
    failure = suite.find("testcase/failure")
    assert failure is not None and "argument 0" in failure.get("message")


def test_one_changed_byte_of_the_recorded_server_stream_fails_the_server_role(tmp_path):
    # In this copy the recorded daemon listed "bin/random-255k.bin" (one
    # byte of its file list changed): crsync, answering the replayed client,
    # lists the file the module really has.
    s = subset(tmp_path, ["pull-a-p32"])
    pcap = s / "scenarios" / "pull-a-p32" / "capture.pcap"
    data = pcap.read_bytes()
    assert data.count(b"random-256k") == 1
    pcap.write_bytes(data.replace(b"random-256k", b"random-255k"))
    r, rep = gate(tmp_path, s, "--roles", "server")
    assert r.returncode == 1, r.stdout
    first = check_of(rep, "pull-a-p32", "server")["failures"][0]
    assert first.startswith('stream: stream differs at L1: s2c file-list entry'), first
    assert "bin/random-255k.bin" in first and "bin/random-256k.bin" in first, first


def test_a_crsync_client_that_changes_its_greeting_fails(tmp_path):
    # A wrapper that makes the crsync client speak protocol 31: the first
    # thing it says (the greeting) differs from the recording. The daemon
    # it leaves alone, and that role still agrees.
    wrapper = tmp_path / "crsync-p31"
    wrapper.write_text(f"#!/bin/sh\n[ \"$1\" = --daemon ] && exec {paths.crsync_bin()} \"$@\"\n"
                       f"exec {paths.crsync_bin()} --protocol=31 \"$@\"\n")
    wrapper.chmod(0o755)
    r, rep = gate(tmp_path, subset(tmp_path, ["list-modules"]), crsync=wrapper)
    assert r.returncode == 1
    client = check_of(rep, "list-modules", "client")
    assert client["failures"][0].startswith("stream: stream differs at L1: c2s greeting"), client["failures"]
    assert "@RSYNCD: 32.0" in client["failures"][0] and "@RSYNCD: 31.0" in client["failures"][0]
    assert check_of(rep, "list-modules", "server")["status"] == "pass"


def test_a_ledgered_divergence_that_agrees_fails_as_an_unexpected_pass(tmp_path):
    ledger = {"entries": [{"scenario": "pull-a-p32", "role": "client", "check": "exit", "treatment": "expect-fail",
                           "origin": "crsync", "reason": "test"}]}
    r, rep = gate(tmp_path, subset(tmp_path, ["pull-a-p32"]), "--roles", "client", ledger=ledger)
    assert r.returncode == 1
    assert "unexpected pass" in check_of(rep, "pull-a-p32", "client")["failures"][0]


def test_stale_level_and_trailer_entries_fail(tmp_path):
    ledger = {"entries": [
        {"scenario": "pull-a-p32", "role": "server", "check": "stream", "treatment": "level-L2",
         "origin": "upstream", "reason": "test"},
        {"scenario": "pull-a-p32", "role": "client", "check": "stream", "treatment": "error-trailer",
         "origin": "upstream", "reason": "test"}]}
    r, rep = gate(tmp_path, subset(tmp_path, ["pull-a-p32"]), ledger=ledger)
    assert r.returncode == 1
    for role in ("client", "server"):
        c = check_of(rep, "pull-a-p32", role)
        assert c["status"] == "fail" and "stale" in c["failures"][0], c["failures"]


def test_the_error_trailer_is_the_only_thing_masked(tmp_path):
    # Without the ledger entry the daemon's error line differs (its trailer
    # names crsync); with it the check passes; a changed word before the
    # trailer still fails.
    s = subset(tmp_path, ["push-read-only"])
    r, rep = gate(tmp_path, s, "--roles", "server")
    assert r.returncode == 1
    assert "at main.c(1150) [Receiver=3.4.1]" in check_of(rep, "push-read-only", "server")["failures"][0]
    ledger = {"entries": [{"scenario": "push-read-only", "role": "server", "check": "stream",
                           "treatment": "error-trailer", "origin": "upstream", "reason": "test"}]}
    r, rep = gate(tmp_path, s, "--roles", "server", ledger=ledger)
    assert r.returncode == 0, r.stdout
    pcap = s / "scenarios" / "push-read-only" / "capture.pcap"
    pcap.write_bytes(pcap.read_bytes().replace(b"syntax or usage error (code 1) at main.c",
                                               b"syntax or usage ERROR (code 1) at main.c"))
    r, rep = gate(tmp_path, s, "--roles", "server", ledger=ledger)
    assert r.returncode == 1
    assert "usage ERROR" in check_of(rep, "push-read-only", "server")["failures"][0]


@pytest.mark.skipif(os.geteuid() != 0, reason="recording on loopback needs root")
def test_the_recorder_makes_a_set_the_gate_accepts(tmp_path):
    # Debian's 3.5.0 sends 3.4.1's bytes in these scenarios
    # (docs/pcap-replay-results.md): the new recordings agree with the
    # goldens, and crsync passes the gate against them.
    out = tmp_path / "golden-3.5.0"
    names = ["list-modules", "pull-a-p32-noinc"]
    r = subprocess.run(["/usr/bin/python3", "-m", "crsync_harness.recorder", "--rsync", "rsync", "--out", str(out),
                        "--pcap", str(pcap_tool()), "--only", *names], cwd=paths.REPO / "harness",
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    idx = json.loads((out / "scenarios" / "index.json").read_text())
    assert "3.5.0" in idx["recorded_with"] and [s["name"] for s in idx["scenarios"]] == names
    for n in names:
        new, old = out / "scenarios" / n, paths.GOLDEN / "scenarios" / n
        assert sorted(p.name for p in new.iterdir()) == sorted(p.name for p in old.iterdir())
        a, b = json.loads(old.joinpath("scenario.json").read_text()), json.loads(new.joinpath("scenario.json").read_text())
        assert b["result_tree"] == a["result_tree"] and b["exit_code"] == a["exit_code"]
        assert new.joinpath("client.stdout").read_text() == old.joinpath("client.stdout").read_text()
        d = subprocess.run([str(pcap_tool()), "diff", str(old / "capture.pcap"), str(new / "capture.pcap")],
                           capture_output=True, text=True, timeout=120)
        assert d.returncode == 0, d.stdout
    r, rep = gate(tmp_path, out)
    assert r.returncode == 0, r.stdout
    assert rep["summary"]["pass"] == 4
