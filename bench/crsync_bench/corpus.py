"""Deterministic benchmark corpora: the same scale and seed give byte-for-byte
the same tree (names, contents, modes, mtimes), so runs and machines compare.

A finished tree holds a stamp file (.crsync-bench-stamp, outside the tree)
with its parameters; an existing tree with a matching stamp is reused."""
import hashlib
import json
import os
import random
import shutil
from pathlib import Path

# Every file and directory gets this mtime (2023-11-14), so trees made twice
# are identical and a fresh copy is "unchanged" for rsync's quick check.
FIXED_MTIME = 1700000000


def scaled(n, scale, minimum=1):
    """n scaled, at least `minimum`."""
    return max(minimum, int(round(n * scale)))


def _randbytes(rng, n):
    """rng.randbytes in pieces (one call is limited to 2**31 bits)."""
    piece = 1 << 24
    return b"".join(rng.randbytes(min(piece, n - o)) for o in range(0, n, piece))


def _content(rng, size):
    """Mostly text-like, partly random bytes (compressible like real files)."""
    if size == 0:
        return b""
    words = [b"rsync ", b"block ", b"delta ", b"file ", b"list\n", b"sum ", b"data "]
    half = size // 2
    text = bytearray()
    while len(text) < half:
        text += words[rng.randrange(len(words))]
    return bytes(text[:half]) + _randbytes(rng, size - half)


def _stamp_path(root):
    root = Path(root)
    return root.parent / (root.name + ".crsync-bench-stamp")


def _reuse(root, params):
    stamp = _stamp_path(root)
    if Path(root).is_dir() and stamp.exists():
        try:
            if json.loads(stamp.read_text()) == params:
                return True
        except ValueError:
            pass
    if Path(root).exists():
        shutil.rmtree(root)
    stamp.unlink(missing_ok=True)
    return False


def _finish(root, params, dirs):
    for d in sorted(dirs, key=lambda p: -len(str(p))):
        os.utime(d, (FIXED_MTIME, FIXED_MTIME))
    os.utime(root, (FIXED_MTIME, FIXED_MTIME))
    _stamp_path(root).write_text(json.dumps(params))


def make_tree(root, files, size, per_dir=100, seed=1, empty=False):
    """`files` regular files of `size` bytes (0 with `empty`), `per_dir` to a
    directory (d00000/f0000000...), contents from a seeded generator."""
    params = {"kind": "tree", "files": files, "size": size, "per_dir": per_dir, "seed": seed,
              "empty": empty, "version": 1}
    root = Path(root)
    if _reuse(root, params):
        return root
    rng = random.Random(seed)
    root.mkdir(parents=True)
    dirs = []
    blob = b"" if empty else _content(rng, size)
    current = None
    for i in range(files):
        if i % per_dir == 0:
            current = root / f"d{i // per_dir:05d}"
            current.mkdir()
            dirs.append(current)
        p = current / f"f{i:07d}"
        if empty:
            fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            os.close(fd)
        else:
            # Distinct contents per file: a per-file prefix on a shared blob.
            prefix = i.to_bytes(8, "little")
            p.write_bytes(prefix + blob[8:] if size >= 8 else blob)
        os.utime(p, (FIXED_MTIME, FIXED_MTIME))
    _finish(root, params, dirs)
    return root


def make_large_files(root, count, size, seed=2):
    """`count` files of `size` bytes each (big0..), seeded contents."""
    params = {"kind": "large", "count": count, "size": size, "seed": seed, "version": 1}
    root = Path(root)
    if _reuse(root, params):
        return root
    rng = random.Random(seed)
    root.mkdir(parents=True)
    chunk = 1 << 20
    for i in range(count):
        p = root / f"big{i}"
        with open(p, "wb") as f:
            left = size
            while left > 0:
                n = min(chunk, left)
                f.write(_content(rng, n))
                left -= n
        os.utime(p, (FIXED_MTIME, FIXED_MTIME))
    _finish(root, params, [])
    return root


def make_delta_pair(root, size, edits, edit_len, seed=3):
    """root/basis (the receiver's old file) and root/new/file (the basis with
    `edits` scattered edits of `edit_len` bytes). Returns (basis, new_dir)."""
    params = {"kind": "delta", "size": size, "edits": edits, "edit_len": edit_len, "seed": seed,
              "version": 1}
    root = Path(root)
    basis, new_dir = root / "basis", root / "new"
    if not _reuse(root, params):
        rng = random.Random(seed)
        root.mkdir(parents=True)
        new_dir.mkdir()
        data = bytearray(_randbytes(rng, size))
        basis.write_bytes(data)
        offsets = sorted(rng.randrange(0, max(1, size - edit_len)) for _ in range(edits))
        for off in offsets:
            data[off:off + edit_len] = rng.randbytes(min(edit_len, size - off))
        (new_dir / "file").write_bytes(data)
        # Different mtimes, so the quick check always sends the file.
        os.utime(basis, (FIXED_MTIME - 3600, FIXED_MTIME - 3600))
        os.utime(new_dir / "file", (FIXED_MTIME, FIXED_MTIME))
        _finish(root, params, [new_dir])
    return basis, new_dir


def tree_digest(root):
    """A digest of a tree's names, types, sizes, modes, mtimes and contents."""
    h = hashlib.sha256()
    root = Path(root)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            p = Path(dirpath) / name
            st = p.lstat()
            rel = str(p.relative_to(root))
            h.update(f"{rel}\0{st.st_mode:o}\0{st.st_size}\0{int(st.st_mtime)}\0".encode())
            if p.is_file() and not p.is_symlink():
                h.update(p.read_bytes())
    return h.hexdigest()
