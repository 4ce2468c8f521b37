"""The captures manifest: provenance and a sha256 of every file under
captures/, so that a changed, missing or orphaned capture is caught.

    /usr/bin/python3 -m crsync_harness.manifest --check   (from harness/)
    /usr/bin/python3 -m crsync_harness.manifest --write
"""
import argparse
import hashlib
import json
import sys
from pathlib import Path

from .paths import CAPTURES

MANIFEST = CAPTURES / "MANIFEST.json"
# Files in captures/ that describe the set rather than belong to it.
_NOT_LISTED = {"MANIFEST.json", "README.md"}


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def current_files() -> dict:
    out = {}
    for p in sorted(CAPTURES.rglob("*")):
        rel = p.relative_to(CAPTURES).as_posix()
        if p.is_file() and rel not in _NOT_LISTED and "__pycache__" not in rel:
            out[rel] = sha256(p)
    return out


def check() -> list:
    """Returns a list of problems (empty when the manifest and files agree)."""
    m = json.loads(MANIFEST.read_text())
    listed = {f["path"]: f["sha256"] for f in m["files"]}
    have = current_files()
    problems = []
    for path, digest in listed.items():
        if path not in have:
            problems.append(f"missing: {path}")
        elif have[path] != digest:
            problems.append(f"changed: {path}")
    for path in have:
        if path not in listed:
            problems.append(f"orphaned (not in the manifest): {path}")
    for s in m.get("sets", []):
        folder = CAPTURES / s["path"]
        if not folder.is_dir():
            problems.append(f"set folder missing: {s['path']}")
            continue
        # The set's entry, its index and its scenario folders agree.
        index = folder / "scenarios" / "index.json"
        names = [e["name"] for e in json.loads(index.read_text())["scenarios"]] if index.exists() else []
        folders = sorted(p.name for p in (folder / "scenarios").iterdir() if p.is_dir()) \
            if (folder / "scenarios").is_dir() else []
        if len(names) != s.get("scenarios") or sorted(names) != folders:
            problems.append(f"set {s['path']}: the manifest says {s.get('scenarios')} scenarios, the index lists "
                            f"{len(names)}, there are {len(folders)} scenario folders")
    for path in listed:
        if not any(path.startswith(s["path"] + "/") for s in m.get("sets", [])):
            problems.append(f"in no set of the manifest: {path}")
    return problems


def write(sets: list) -> None:
    files = [{"path": p, "sha256": d} for p, d in current_files().items()]
    MANIFEST.write_text(json.dumps({"sets": sets, "files": files}, indent=1) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--write", action="store_true")
    a = ap.parse_args(argv)
    if a.write:
        sets = json.loads(MANIFEST.read_text())["sets"] if MANIFEST.exists() else []
        write(sets)
        print(f"wrote {MANIFEST}")
        return 0
    problems = check()
    for p in problems:
        print(p)
    print("manifest ok" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
