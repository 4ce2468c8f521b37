"""crsync-pcap on remote-shell sessions recorded as raw streams: upstream
rsync (Debian's 3.5.0) as client and server over a `sh -c`-style remote
shell stand-in, recorded with `crsync-pcap record-rsh`, on the golden
fixture trees, push and pull with several options. `show` decodes every
byte of such a recording, with the options read from the recorded server
command line; `diff` of two recordings of the same run holds at L1 (the
unpinned seed masked); a recording with a byte changed fails at the
element that holds it."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crsync_harness.paths import GOLDEN
from test_pcap_tool import pcap_tool

# (name, direction, rsync options, source tree, destination starts as).
# Where the seed enters block or file sums (a basis, protocol 29, md5) it is
# pinned: an unpinned seed makes those sums differ between runs.
SCENARIOS = [
    ("pull-a", "pull", ["-a"], "src", None),
    ("push-a", "push", ["-a"], "src", None),
    ("push-a-noinc", "push", ["-a", "--no-inc-recursive"], "src", None),
    ("pull-az", "pull", ["-az"], "src", None),
    ("push-az-zstd", "push", ["-az", "--compress-choice=zstd"], "src", None),
    ("push-aH", "push", ["-aH"], "specials", None),
    ("pull-aH-noinc", "pull", ["-aH", "--no-inc-recursive"], "specials", None),
    ("pull-a-p29", "pull", ["-a", "--protocol=29", "--checksum-seed=7"], "src", None),
    ("push-a-p29", "push", ["-a", "--protocol=29", "--checksum-seed=7"], "src", None),
    ("push-delete-delta", "push", ["-a", "--delete", "--checksum-seed=7"], "src", "basis"),
    ("pull-delete-delta-zlib", "pull", ["-az", "--compress-choice=zlib", "--delete", "--checksum-seed=7"], "src",
     "basis"),
    ("push-delta-lz4-noinc", "push", ["-az", "--compress-choice=lz4", "--no-inc-recursive", "--checksum-seed=7"],
     "src", "basis"),
    ("pull-cc-md5", "pull", ["-a", "--checksum-choice=md5", "--checksum-seed=7"], "src", "basis"),
]


@pytest.fixture(scope="module")
def trees(tmp_path_factory):
    root = tmp_path_factory.mktemp("rsh")
    subprocess.run([sys.executable, str(GOLDEN / "fixtures" / "make_fixtures.py"), str(root)], check=True)
    standin = root / "rsh-standin"
    standin.write_text('#!/bin/sh\nshift\nexec "$@"\n')
    standin.chmod(0o755)
    return root


def record(trees: Path, name: str, direction: str, opts, src: str, start, out: Path):
    dst = out.parent / (out.name + "-dst")
    if start:
        shutil.copytree(trees / start, dst, symlinks=True)
    else:
        dst.mkdir()
    s, d = f"{trees / src}/", f"{dst}/"
    if direction == "pull":
        s = "localhost:" + s
    else:
        d = "localhost:" + d
    r = subprocess.run([str(pcap_tool()), "record-rsh", "-o", str(out), "--rsh", str(trees / "rsh-standin"), "--",
                        "rsync", *opts, s, d], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, (name, r.stdout, r.stderr)
    cmd = json.loads((out / "command.json").read_text())
    assert cmd["server_args"][0] == "--server" and cmd["exit_status"] == 0, cmd
    assert ("--sender" in cmd["server_args"]) == (direction == "pull"), cmd
    return dst


def show_json(path):
    r = subprocess.run([str(pcap_tool()), "show", str(path), "--json"], capture_output=True, text=True,
                       timeout=120)
    lines = [json.loads(l) for l in r.stdout.splitlines()]
    return r.returncode, lines[0], [l for l in lines if l["type"] == "element"], lines[-1]


def diff_json(a, b):
    r = subprocess.run([str(pcap_tool()), "diff", str(a), str(b), "--json"], capture_output=True, text=True,
                       timeout=120)
    return r.returncode, json.loads(r.stdout)


@pytest.mark.parametrize("name,direction,opts,src,start", SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_recorded_twice_decodes_fully_and_agrees(trees, tmp_path, name, direction, opts, src, start):
    a, b = tmp_path / "a", tmp_path / "b"
    dst = record(trees, name, direction, opts, src, start, a)
    record(trees, name, direction, opts, src, start, b)
    code, session, elements, summary = show_json(a)
    assert code == 0 and summary["c2s_undecoded"] == 0 and summary["s2c_undecoded"] == 0, summary
    assert summary["c2s_bytes"] == (a / "c2s.bin").stat().st_size > 0
    assert summary["s2c_bytes"] == (a / "s2c.bin").stat().st_size > 0
    facts = session["facts"]
    assert ("pull" if direction == "pull" else "push") in facts, facts
    assert facts.startswith("protocol 29" if "--protocol=29" in opts else "protocol 32"), facts
    if "-az" in opts:
        choice = next((o.split("=")[1] for o in opts if o.startswith("--compress-choice=")), "zstd")
        assert f"compress {choice}" in facts, facts
    kinds = {e["kind"] for e in elements}
    assert "protocol version" in kinds and "file-list entry" in kinds, kinds
    versions = [e for e in elements if e["kind"] == "protocol version"]
    assert sorted(e["dir"] for e in versions) == ["c2s", "s2c"]
    assert all(e["offset"] == 0 and e["length"] == 4 for e in versions)
    # Every file of the source tree is named by a file-list entry.
    names = {e.get("subject") for e in elements if e["kind"] == "file-list entry"}
    for p in (trees / src).rglob("*"):
        assert str(p.relative_to(trees / src)) in names, (p, sorted(names)[:20])
    if start:  # a delta: the receiver sent block sums
        assert "block sum" in kinds, kinds
    if "--delete" in opts and direction == "push":
        assert any(e["kind"] == "message" and e.get("subject") == "MSG_DELETED" for e in elements) or \
            any(e.get("subject") == "NDX_DEL_STATS" for e in elements), kinds
    code_b, _, _, summary_b = show_json(b)
    assert code_b == 0 and summary_b["c2s_undecoded"] == summary_b["s2c_undecoded"] == 0, summary_b
    if direction == "push" and "--no-inc-recursive" not in opts:
        # A receiving server under incremental recursion places its NDX_DONEs
        # among the file requests as the sender's sub-lists happen to arrive:
        # two runs of upstream differ there. Both decoded fully above.
        return
    code, rep = diff_json(a, b)
    assert code == 0 and rep["L1"]["holds"] and rep["L2"]["holds"], rep
    if "--checksum-seed=7" not in opts:
        assert any("seed" in m for m in rep["masks"]), rep["masks"]
    assert dst.exists()


def test_a_changed_byte_fails_at_its_element(trees, tmp_path):
    a = tmp_path / "a"
    record(trees, "pull-a", "pull", ["-a"], "src", None, a)
    _, _, elements, _ = show_json(a)
    entry = [e for e in elements if e["kind"] == "file-list entry" and e["dir"] == "s2c"][3]
    b = tmp_path / "b"
    shutil.copytree(a, b)
    data = bytearray((b / "s2c.bin").read_bytes())
    data[entry["offset"] + entry["length"] - 1] ^= 0x01  # the entry's last byte
    (b / "s2c.bin").write_bytes(bytes(data))
    code, rep = diff_json(a, b)
    assert code == 1 and not rep["L1"]["holds"], rep
    want = f's2c file-list entry {entry["index"]} "{entry["subject"]}"'
    assert rep["L1"]["first_divergence"]["element_a"] == want, (want, rep["L1"])
    assert rep["L1"]["first_divergence"]["offset_a"] == entry["offset"], rep["L1"]


def test_a_cut_recording_is_undecoded_at_the_end(trees, tmp_path):
    a = tmp_path / "a"
    record(trees, "push-a", "push", ["-a"], "src", None, a)
    data = (a / "c2s.bin").read_bytes()
    (a / "c2s.bin").write_bytes(data[: len(data) // 2])
    code, _, elements, summary = show_json(a)
    assert code == 1 and summary["c2s_undecoded"] > 0, summary
    assert [e for e in elements if e.get("undecoded")], elements[-3:]


def test_streams_and_replay_refuse_a_recording(trees, tmp_path):
    a = tmp_path / "a"
    record(trees, "pull-a", "pull", ["-a"], "src", None, a)
    for argv in (["streams", a], ["replay", "--as-client", a, "--port", "1"]):
        r = subprocess.run([str(pcap_tool()), *map(str, argv)], capture_output=True, text=True, timeout=60)
        assert r.returncode == 2, (argv, r)


def test_not_a_recording_is_unusable(tmp_path):
    (tmp_path / "command.json").write_text('{"argv": ["ssh", "host", "ls"]}')
    r = subprocess.run([str(pcap_tool()), "show", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "--server" in r.stderr, r
