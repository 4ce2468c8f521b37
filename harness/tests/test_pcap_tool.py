"""crsync-pcap on the golden captures of upstream 3.4.1, through the command
line: `show` decodes every byte of every capture, `diff` of a capture with
itself holds at L0, a byte changed in a pcap file is named with its element
and direction, and the exit codes are 0 / 1 / 2."""
import json
import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from crsync_harness.paths import GOLDEN, REPO

SCENARIOS = [s["name"] for s in json.loads((GOLDEN / "scenarios" / "index.json").read_text())["scenarios"]]


def pcap_tool() -> Path:
    env = os.environ.get("CRSYNC_PCAP_BIN")
    if env:
        return Path(env)
    for b in ("ci", "default", "asan", "coverage"):
        p = REPO / "build" / b / "harness" / "pcap" / "crsync-pcap"
        if p.exists():
            return p
    raise FileNotFoundError("no crsync-pcap binary: build first")


def run(*args, check_exit=None):
    r = subprocess.run([str(pcap_tool()), *map(str, args)], capture_output=True, text=True, timeout=120)
    if check_exit is not None:
        assert r.returncode == check_exit, (r.returncode, r.stdout[-2000:], r.stderr[-2000:])
    return r


def capture(name: str) -> Path:
    return GOLDEN / "scenarios" / name / "capture.pcap"


def show_json(path):
    r = run("show", path, "--json", check_exit=0)
    lines = [json.loads(l) for l in r.stdout.splitlines()]
    assert lines[0]["type"] == "session" and lines[-1]["type"] == "summary"
    return lines[0], [l for l in lines if l["type"] == "element"], lines[-1]


@pytest.mark.parametrize("name", SCENARIOS)
def test_show_decodes_every_byte(name):
    session, elements, summary = show_json(capture(name))
    assert summary["c2s_undecoded"] == 0 and summary["s2c_undecoded"] == 0, summary
    assert summary["problem"] == ""
    assert not any(e.get("undecoded") for e in elements)
    # The elements tile each direction: every byte lies in one, from 0 to the end.
    for d in ("c2s", "s2c"):
        reach = 0
        for e in sorted((e for e in elements if e["dir"] == d), key=lambda e: e["offset"]):
            assert e["offset"] <= reach, (d, e)
            reach = max(reach, e["offset"] + e["length"])
        assert reach == summary[d + "_bytes"], d
    # The text form has one line per element, with its offset.
    text = run("show", capture(name), check_exit=0).stdout.splitlines()
    body = [l for l in text if not l.startswith("#")]
    assert len(body) == len(elements)
    assert body[0].split()[1] == str(elements[0]["offset"])


@pytest.mark.parametrize("name", SCENARIOS)
def test_diff_with_itself_holds_at_l0(name):
    r = run("diff", capture(name), capture(name), "--level", "L0", "--json", check_exit=0)
    rep = json.loads(r.stdout)
    assert rep["agree"] and rep["L0"]["holds"] and rep["L1"]["holds"] and rep["L2"]["holds"]
    assert rep["L0"]["compared"] > 0


def test_streams_lists_the_connection():
    r = run("streams", capture("pull-a-p32"), "--json", check_exit=0)
    rep = json.loads(r.stdout)
    assert len(rep["connections"]) == 1
    c = rep["connections"][0]
    assert c["syn"] and c["fin"] and not c["c2s"]["gap"] and not c["s2c"]["gap"]
    assert c["server"].endswith(":46195")


def test_diff_of_two_protocols_names_the_greeting():
    r = run("diff", capture("pull-a-p32"), capture("pull-a-p31"), "--json", check_exit=1)
    rep = json.loads(r.stdout)
    assert not rep["agree"]
    first = rep["L1"]["first_divergence"]
    assert first["dir"] == "c2s" and first["element_a"] == "c2s greeting"
    assert "32.0" in first["expected"] and "31.0" in first["actual"]


def test_masks_are_listed_and_auth_runs_agree(tmp_path):
    r = run("diff", capture("pull-auth-ok"), capture("pull-auth-ok"), check_exit=0)
    assert "auth: c2s auth response" in r.stdout
    assert "stats-framing: s2c stats total_read" in r.stdout
    assert "stats-time: s2c stats flist_buildtime" in r.stdout


def test_unusable_input_exits_2(tmp_path):
    junk = tmp_path / "junk.pcap"
    junk.write_bytes(b"not a capture at all")
    run("diff", junk, capture("pull-a-p32"), check_exit=2)
    run("diff", tmp_path / "missing.pcap", capture("pull-a-p32"), check_exit=2)
    run("show", junk, check_exit=2)
    run("diff", capture("pull-a-p32"), check_exit=2)  # usage


# ---- a byte changed inside a pcap file ----------------------------------

def read_pcap(path: Path):
    """(global header, [(record header, frame bytes)]) of a classic pcap."""
    data = path.read_bytes()
    assert struct.unpack("<I", data[:4])[0] == 0xA1B2C3D4
    out, pos = [], 24
    while pos < len(data):
        rec = data[pos:pos + 16]
        incl = struct.unpack("<IIII", rec)[2]
        out.append((rec, bytearray(data[pos + 16:pos + 16 + incl])))
        pos += 16 + incl
    return data[:24], out


def tcp_payload(frame: bytearray):
    """(src port, dst port, seq, flags, payload start) of an Ethernet/IPv4 TCP frame."""
    ihl = (frame[14] & 0x0F) * 4
    tcp = 14 + ihl
    sport, dport, seq = struct.unpack(">HHI", frame[tcp:tcp + 8])
    doff = (frame[tcp + 12] >> 4) * 4
    return sport, dport, seq, frame[tcp + 13], tcp + doff


def test_a_byte_flipped_in_a_pcap_is_named(tmp_path):
    src = capture("pull-a-p32")
    session, elements, _ = show_json(src)
    server_port = int(session["server"].rsplit(":", 1)[1])
    entry = next(e for e in elements if e["kind"] == "file-list entry" and e.get("subject") == "bin/append.bin")
    target = entry["offset"] + entry["length"] - 1  # the entry's last byte, in the s2c stream
    head, frames = read_pcap(src)
    base = None
    for _, f in frames:
        sport, _, seq, flags, _ = tcp_payload(f)
        if sport == server_port and flags & 0x02:
            base = seq + 1
    assert base is not None
    frame = frames[entry["frame"] - 1][1]
    sport, _, seq, _, start = tcp_payload(frame)
    assert sport == server_port
    frame[start + target - (seq - base)] ^= 0x01
    out = tmp_path / "mutated.pcap"
    out.write_bytes(head + b"".join(rec + bytes(f) for rec, f in frames))
    r = run("diff", src, out, "--json", check_exit=1)
    rep = json.loads(r.stdout)
    for level in ("L0", "L1", "L2"):
        first = rep[level]["first_divergence"]
        assert first["dir"] == "s2c", (level, first)
        assert first["element_a"] == 's2c file-list entry 14 "bin/append.bin"', (level, first)
    assert rep["L0"]["first_divergence"]["offset_a"] == target
    # Text report: the element, the field, expected and actual values.
    text = run("diff", src, out, check_exit=1).stdout
    assert 's2c file-list entry 14 "bin/append.bin": ' in text
