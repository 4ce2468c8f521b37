"""Snapshots of a directory tree, for comparing what two transfers left on
disk: type, permissions, owner, mtime (seconds and nanoseconds), size,
content digest, symlink target, link count."""
import hashlib
import os
import stat


def snapshot(root, with_owner=True):
    out = {}
    root = os.fspath(root)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            st = os.lstat(path)
            entry = {
                "mode": oct(st.st_mode),
                "mtime_ns": st.st_mtime_ns,
            }
            if with_owner:
                entry["uid"] = st.st_uid
                entry["gid"] = st.st_gid
            if stat.S_ISLNK(st.st_mode):
                entry["target"] = os.readlink(path)
            elif stat.S_ISREG(st.st_mode):
                entry["size"] = st.st_size
                entry["nlink"] = st.st_nlink
                with open(path, "rb") as f:
                    entry["sha256"] = hashlib.sha256(f.read()).hexdigest()
            elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
                entry["rdev"] = st.st_rdev
            out[rel] = entry
    return out


def differences(a, b, limit=10):
    """Human-readable differences between two snapshots (empty when equal)."""
    diffs = []
    for k in sorted(set(a) | set(b)):
        if k not in a:
            diffs.append(f"only in second: {k}")
        elif k not in b:
            diffs.append(f"only in first: {k}")
        elif a[k] != b[k]:
            fields = [f for f in a[k] if a[k].get(f) != b[k].get(f)]
            diffs.append(f"{k}: " + ", ".join(f"{f} {a[k].get(f)} != {b[k].get(f)}" for f in fields))
        if len(diffs) >= limit:
            break
    return diffs


def result_tree(root):
    """The tree under root in the form a golden scenario.json records as
    `result_tree`: one entry per path (root excluded), sorted by path, with
    octal mode, mtime in seconds, link count (None for directories), size
    and sha256 for regular files and target for symlinks."""
    out = []
    root = os.fspath(root)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            e = {"path": os.path.relpath(path, root), "mode": format(st.st_mode, "o"), "mtime": int(st.st_mtime),
                 "nlink": None if stat.S_ISDIR(st.st_mode) else st.st_nlink}
            if stat.S_ISREG(st.st_mode):
                e["size"] = st.st_size
                with open(path, "rb") as f:
                    e["sha256"] = hashlib.sha256(f.read()).hexdigest()
            elif stat.S_ISLNK(st.st_mode):
                e["target"] = os.readlink(path)
            out.append(e)
    return sorted(out, key=lambda e: e["path"])


def result_tree_differences(want, got, limit=5):
    """What differs between two result trees (lists of entries by path)."""
    a = {e["path"]: e for e in want}
    b = {e["path"]: e for e in got}
    diffs = []
    for k in sorted(set(a) | set(b)):
        if k not in b:
            diffs.append(f"missing: {k}")
        elif k not in a:
            diffs.append(f"unexpected: {k}")
        elif a[k] != b[k]:
            fields = sorted(f for f in set(a[k]) | set(b[k]) if a[k].get(f) != b[k].get(f))
            diffs.append(f"{k}: " + ", ".join(f"{f} expected {a[k].get(f)}, got {b[k].get(f)}" for f in fields))
        if len(diffs) >= limit:
            break
    return diffs


def link_groups(root, linked_only=False):
    """The names under root grouped by inode, each group sorted (only the
    groups of two or more names with `linked_only`)."""
    groups = {}
    for dirpath, _, files in os.walk(os.fspath(root)):
        for f in files:
            p = os.path.join(dirpath, f)
            groups.setdefault(os.lstat(p).st_ino, []).append(os.path.relpath(p, root))
    return sorted(sorted(g) for g in groups.values() if not linked_only or len(g) > 1)
