"""crsync-pcap replay against live upstream rsync (Debian's 3.5.0) on the
golden scenarios' fixtures: a recorded client replayed against a live
daemon, a recorded daemon replayed for a live client. Where 3.5.0 really
sends other bytes than 3.4.1 did, replay must say so, at the right element."""
import json
import os
import subprocess

import pytest

from crsync_harness.golden_scenarios import Workdir, free_port
from crsync_harness.paths import GOLDEN
from test_pcap_tool import pcap_tool


def golden(name):
    return GOLDEN / "scenarios" / name / "capture.pcap"


def as_client(name):
    w = Workdir(name)
    port = free_port()
    try:
        d = w.start_daemon(port)
        try:
            r = subprocess.run([str(pcap_tool()), "replay", "--as-client", str(golden(name)), "--port", str(port),
                                "--json"], capture_output=True, text=True, timeout=120)
        finally:
            d.terminate()
            d.wait()
        return r.returncode, json.loads(r.stdout)
    finally:
        w.cleanup()


def as_server(name):
    w = Workdir(name)
    port = free_port()
    try:
        s = subprocess.Popen([str(pcap_tool()), "replay", "--as-server", str(golden(name)), "--port", str(port),
                              "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert s.stdout.readline().startswith("listening on")
        c = subprocess.run(w.client_argv(port), cwd=w.root, env=w.client_env(), capture_output=True, text=True,
                           timeout=120)
        out, _ = s.communicate(timeout=120)
        return s.returncode, json.loads(out), c.returncode, w.sc["exit_code"]
    finally:
        if s.poll() is None:
            s.kill()
        w.cleanup()


@pytest.mark.parametrize("name", ["pull-a-p32", "pull-a-p28", "pull-auth-ok", "push-a-p30"])
def test_as_client_matches_a_live_daemon(name):
    code, rep = as_client(name)
    assert code == 0 and rep["agree"], rep
    assert rep["L1"]["holds"] and rep["L2"]["holds"]
    assert rep["received"] > 0


@pytest.mark.parametrize("name", ["pull-a-p32", "pull-auth-ok", "push-a-p32", "pull-no-such-module"])
def test_as_server_matches_a_live_client(name):
    code, rep, client_exit, recorded_exit = as_server(name)
    assert code == 0 and rep["L1"]["holds"], rep
    assert client_exit == recorded_exit


def test_as_client_names_3_5_0_deletion_stats():
    # 3.5.0's receiving daemon sends NDX_DEL_STATS before its last NDX_DONE
    # where 3.4.1 sent none (see docs/pcap-rsync-3.5.0.md).
    code, rep = as_client("push-delete-after")
    assert code == 1 and not rep["agree"]
    first = rep["L1"]["first_divergence"]
    assert first.startswith('s2c ndx "NDX_DONE" (B: s2c ndx "NDX_DEL_STATS")'), first


def test_zlib_differs_in_bytes_but_not_in_decoded_data():
    # Debian's 3.5.0 deflates with the system zlib; 3.4.1 with its bundled
    # copy: other compressed bytes for the same tokens.
    code, rep = as_client("pull-z-zlib")
    assert code == 1
    assert not rep["L1"]["holds"] and "token" in rep["L1"]["first_divergence"]
    assert rep["L2"]["holds"], rep["L2"]


def rerecord(name, tmp_path):
    w = Workdir(name)
    port = free_port()
    out = tmp_path / f"{name}.pcap"
    try:
        d = w.start_daemon(port)
        try:
            c = subprocess.run([str(pcap_tool()), "capture", "--port", str(port), "-o", str(out), "--",
                                *w.client_argv(port)], cwd=w.root, env=w.client_env(), capture_output=True,
                               text=True, timeout=120)
        finally:
            d.terminate()
            d.wait()
        assert c.returncode == 0, c.stderr
        assert "0 dropped" in c.stderr and "command exited with 0" in c.stderr, c.stderr
        r = subprocess.run([str(pcap_tool()), "diff", str(golden(name)), str(out), "--json"], capture_output=True,
                           text=True, timeout=120)
        return r.returncode, json.loads(r.stdout)
    finally:
        w.cleanup()


@pytest.mark.skipif(os.geteuid() != 0, reason="capturing on loopback needs root")
def test_capture_rerecords_a_scenario_that_3_5_0_sends_alike(tmp_path):
    code, rep = rerecord("pull-a-p32-noinc", tmp_path)
    assert code == 0 and rep["L1"]["holds"] and rep["L2"]["holds"], rep


@pytest.mark.skipif(os.geteuid() != 0, reason="capturing on loopback needs root")
def test_capture_rerecording_finds_3_5_0_deletion_stats(tmp_path):
    code, rep = rerecord("pull-dry-run", tmp_path)
    assert code == 1
    first = rep["L1"]["first_divergence"]
    assert first["dir"] == "c2s" and first["expected"] == "NDX_DONE" and first["actual"] == "NDX_DEL_STATS", first
