"""The golden captures: manifest integrity, and that the scenario index and
the scenario folders agree."""
import json

from crsync_harness import manifest, paths


def test_manifest_matches_files():
    assert manifest.check() == []


def test_manifest_check_catches_a_changed_file(tmp_path, monkeypatch):
    """The check is not vacuous: a copy of the captures with one byte changed
    and one orphan added reports both."""
    import shutil
    copy = tmp_path / "captures"
    shutil.copytree(paths.CAPTURES, copy)
    pcap = copy / "golden-3.4.1" / "scenarios" / "list-modules" / "capture.pcap"
    data = bytearray(pcap.read_bytes())
    data[-1] ^= 0xFF
    pcap.write_bytes(bytes(data))
    (copy / "golden-3.4.1" / "stray.bin").write_bytes(b"x")
    monkeypatch.setattr(manifest, "CAPTURES", copy)
    monkeypatch.setattr(manifest, "MANIFEST", copy / "MANIFEST.json")
    problems = manifest.check()
    assert "changed: golden-3.4.1/scenarios/list-modules/capture.pcap" in problems
    assert "orphaned (not in the manifest): golden-3.4.1/stray.bin" in problems


def _copy(tmp_path, monkeypatch):
    import shutil
    copy = tmp_path / "captures"
    shutil.copytree(paths.CAPTURES, copy)
    monkeypatch.setattr(manifest, "CAPTURES", copy)
    monkeypatch.setattr(manifest, "MANIFEST", copy / "MANIFEST.json")
    return copy


def test_manifest_check_catches_a_missing_file(tmp_path, monkeypatch):
    copy = _copy(tmp_path, monkeypatch)
    (copy / "golden-3.4.1" / "scenarios" / "pull-stats" / "daemon.log").unlink()
    assert manifest.check() == ["missing: golden-3.4.1/scenarios/pull-stats/daemon.log"]


def test_manifest_check_catches_a_set_entry_that_disagrees(tmp_path, monkeypatch):
    """The set's scenario count must match its index and folders, and an
    orphaned scenario folder (files listed in the manifest but not in the
    index) is caught too."""
    copy = _copy(tmp_path, monkeypatch)
    m = json.loads((copy / "MANIFEST.json").read_text())
    m["sets"][0]["scenarios"] = 31
    (copy / "MANIFEST.json").write_text(json.dumps(m))
    assert manifest.check() == ["set golden-3.4.1: the manifest says 31 scenarios, the index lists 32, "
                                "there are 32 scenario folders"]
    m["sets"][0]["scenarios"] = 32
    (copy / "MANIFEST.json").write_text(json.dumps(m))
    idx = copy / "golden-3.4.1" / "scenarios" / "index.json"
    data = json.loads(idx.read_text())
    data["scenarios"] = [s for s in data["scenarios"] if s["name"] != "pull-stats"]
    idx.write_text(json.dumps(data))
    problems = manifest.check()
    assert "changed: golden-3.4.1/scenarios/index.json" in problems
    assert any(p.startswith("set golden-3.4.1: the manifest says 32 scenarios, the index lists 31") for p in problems)


def test_index_lists_every_scenario_folder():
    idx = json.loads((paths.GOLDEN / "scenarios" / "index.json").read_text())
    names = {s["name"] for s in idx["scenarios"]}
    folders = {p.name for p in (paths.GOLDEN / "scenarios").iterdir() if p.is_dir()}
    assert names == folders
    assert len(names) == 32
    for n in names:
        sc = json.loads((paths.GOLDEN / "scenarios" / n / "scenario.json").read_text())
        assert sc["name"] == n
        assert (paths.GOLDEN / "scenarios" / n / "capture.pcap").stat().st_size > 0
