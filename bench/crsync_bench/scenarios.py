"""The end-to-end scenarios. Each runs the same work with every tool (crsync
and the upstream rsyncs, or a baseline and a candidate crsync in the gate)
and, where one makes sense, a physical reference.

A tool is (name, binary); the reference tool has binary None. A scenario
builds its corpus once (setup), readies the destination before each run
(prepare, not measured) and runs one measured command (measure)."""
import os
import shutil
import sys
from pathlib import Path

from . import corpus, measure

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "harness"))
from crsync_harness import daemon as hdaemon  # noqa: E402

MiB = 1 << 20
REFERENCE = "reference"


def _rm(p):
    p = Path(p)
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p)
    elif p.exists() or p.is_symlink():
        p.unlink()


def trash_dir(work):
    return Path(work) / "trash"


def _set_aside(p, work):
    """Moves a finished destination of many files out of the way instead of
    deleting it. ext4 will not hand out an inode freed in the last 60 s (300 s
    while its table block is dirty) and scans past every such one
    (recently_deleted), so deleting the previous repetition's 10,000 files
    made the next run's file creation pay for them: an effect of whichever
    tool ran before, not of the tool measured. bench/run.py deletes the set-
    aside trees once the whole suite has run."""
    p = Path(p)
    if not p.exists():
        return
    t = trash_dir(work)
    t.mkdir(parents=True, exist_ok=True)
    n = sum(1 for _ in t.iterdir())
    p.rename(t / f"{p.name}-{n}")


class Scenario:
    name = ""
    description = ""
    reference = None      # what the reference tool does, in words (None: no reference)
    metric = "wall"       # the metric the gate compares
    reps_factor = 1.0     # fewer repetitions for the long ones

    def __init__(self, work, scale):
        self.work = Path(work)
        self.scale = scale
        self.tools = {}

    def setup(self, tools):
        self.tools = dict(tools)

    def teardown(self):
        pass

    def prepare(self, tool):
        pass

    def argv(self, tool):
        raise NotImplementedError

    def measure(self, tool):
        return measure.run(self.argv(tool), timeout=1800)

    def size_note(self):
        return ""


class _TreeCopy(Scenario):
    """Copies a source tree into an empty destination."""

    def src(self):
        raise NotImplementedError

    def dst(self):
        return self.work / "dst" / self.name

    # Many small files: set the last destination aside, see _set_aside.
    many_files = False

    def prepare(self, tool):
        if self.many_files:
            _set_aside(self.dst(), self.work)
        else:
            _rm(self.dst())
        self.dst().parent.mkdir(parents=True, exist_ok=True)

    def argv(self, tool):
        name, binary = tool
        if binary is None:
            return ["cp", "-a", str(self.src()), str(self.dst())]
        return [str(binary), "-a", f"{self.src()}/", f"{self.dst()}/"]

    def teardown(self):
        if self.many_files:
            _set_aside(self.dst(), self.work)
        else:
            _rm(self.dst())


class SmallFiles(_TreeCopy):
    name = "local_small_files"
    reference = "cp -a"
    many_files = True

    def __init__(self, work, scale):
        super().__init__(work, scale)
        self.files = corpus.scaled(10000, scale, 50)
        self.description = f"local copy of {self.files} files of 4 KiB"

    def src(self):
        return corpus.make_tree(self.work / "corpus" / "small", self.files, 4096)


class LargeFiles(_TreeCopy):
    name = "local_large_files"
    reference = "cp -a"

    def __init__(self, work, scale):
        super().__init__(work, scale)
        self.size = corpus.scaled(32 * MiB, scale, 256 * 1024)
        self.description = f"local copy of 8 files of {self.size / MiB:.2f} MiB"

    def src(self):
        return corpus.make_large_files(self.work / "corpus" / "large", 8, self.size)


class NoChange(Scenario):
    name = "nochange_resync"
    reference = "find -printf over both trees (stats every entry)"

    def __init__(self, work, scale):
        super().__init__(work, scale)
        self.files = corpus.scaled(100000, scale, 100)
        self.description = f"no-change re-sync of {self.files} files"

    def setup(self, tools):
        super().setup(tools)
        self.src = corpus.make_tree(self.work / "corpus" / "nochange", self.files, 100,
                                    per_dir=100, seed=4)
        self.dst = self.work / "dst" / self.name
        _rm(self.dst)
        self.dst.parent.mkdir(parents=True, exist_ok=True)
        import subprocess
        subprocess.run(["cp", "-a", str(self.src), str(self.dst)], check=True)

    def argv(self, tool):
        name, binary = tool
        if binary is None:
            return ["find", str(self.src), str(self.dst), "-printf", "%s %T@\\n"]
        return [str(binary), "-a", f"{self.src}/", f"{self.dst}/"]

    def teardown(self):
        _rm(self.dst)


class DeltaUpdate(Scenario):
    name = "delta_update"
    reference = "xxhsum -H2 of both files (read and hash each once)"

    def __init__(self, work, scale):
        super().__init__(work, scale)
        self.size = corpus.scaled(256 * MiB, scale, 1 * MiB)
        self.description = (f"delta update of a {self.size / MiB:.1f} MiB file, "
                            "100 scattered 100-byte edits, --no-whole-file")

    def setup(self, tools):
        super().setup(tools)
        self.basis, self.new_dir = corpus.make_delta_pair(self.work / "corpus" / "delta",
                                                          self.size, 100, 100)
        self.dst = self.work / "dst" / self.name
        _rm(self.dst)
        self.dst.mkdir(parents=True)

    def prepare(self, tool):
        # The receiver writes a new file and renames it over the old one, so
        # a hard link to the pristine basis is a fresh basis for every run.
        for p in self.dst.iterdir():
            _rm(p)
        os.link(self.basis, self.dst / "file")

    def argv(self, tool):
        name, binary = tool
        if binary is None:
            return ["xxhsum", "-H2", str(self.basis), str(self.new_dir / "file")]
        return [str(binary), "-a", "--no-whole-file", f"{self.new_dir}/file", f"{self.dst}/file"]

    def teardown(self):
        _rm(self.dst)


class _DaemonScenario(Scenario):
    """One daemon per rsync tool (its own binary), module "src" read-only."""

    global_params = {}

    def tree(self):
        raise NotImplementedError

    def setup(self, tools):
        super().setup(tools)
        src = self.tree()
        self.daemons = {}
        for name, binary in self.tools.items():
            if binary is None:
                continue
            d = hdaemon.Daemon(binary, self.work / "daemons" / f"{self.name}-{name}",
                               {"src": {"path": src, "read only": "yes"}},
                               global_params=self.global_params)
            self.daemons[name] = d.__enter__()

    def teardown(self):
        for d in self.daemons.values():
            d.stop()


class DaemonPull(_DaemonScenario):
    name = "daemon_pull"
    reference = "cp -a"

    def __init__(self, work, scale):
        super().__init__(work, scale)
        self.files = corpus.scaled(10000, scale, 50)
        self.description = f"daemon pull of {self.files} files of 4 KiB over loopback"

    def tree(self):
        return corpus.make_tree(self.work / "corpus" / "small", self.files, 4096)

    def dst(self):
        return self.work / "dst" / self.name

    def prepare(self, tool):
        _set_aside(self.dst(), self.work)
        self.dst().parent.mkdir(parents=True, exist_ok=True)

    def argv(self, tool):
        name, binary = tool
        if binary is None:
            return ["cp", "-a", str(self.tree()), str(self.dst())]
        return [str(binary), "-a", self.daemons[name].url("src/"), f"{self.dst()}/"]

    def measure(self, tool):
        name, binary = tool
        pid = self.daemons[name].proc.pid if binary is not None else None
        return measure.run(self.argv(tool), timeout=1800, daemon_pid=pid)


def rsh_script(work):
    p = Path(work) / "rsh.sh"
    if not p.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text('#!/bin/sh\nshift\nexec "$@"\n')
        p.chmod(0o755)
    return p


class RshPush(_TreeCopy):
    name = "rsh_push"
    reference = "cp -a"
    many_files = True

    def __init__(self, work, scale):
        super().__init__(work, scale)
        self.files = corpus.scaled(10000, scale, 50)
        self.description = (f"remote-shell push of {self.files} files of 4 KiB "
                            "(stand-in shell: exec of the server)")

    def src(self):
        return corpus.make_tree(self.work / "corpus" / "small", self.files, 4096)

    def argv(self, tool):
        name, binary = tool
        if binary is None:
            return super().argv(tool)
        return [str(binary), "-a", "-e", str(rsh_script(self.work)), f"--rsync-path={binary}",
                f"{self.src()}/", f"localhost:{self.dst()}/"]


class FlistMemory(Scenario):
    """Peak RSS of a dry-run push of a tree of empty files through the
    remote-shell stand-in: sender and receiver are separate processes for
    every tool, and ru_maxrss is the larger of the two."""
    metric = "maxrss_kb"
    reps_factor = 0.4

    def __init__(self, work, scale, files):
        super().__init__(work, scale)
        self.base_files = files
        self.files = corpus.scaled(files, scale, 100)
        label = f"{files // 1000}k" if files < 1000000 else f"{files // 1000000}m"
        self.name = f"flist_memory_{label}"
        self.description = f"file-list memory: dry-run push of {self.files} names (peak RSS)"

    def setup(self, tools):
        super().setup(tools)
        self.src = corpus.make_tree(self.work / "corpus" / f"names{self.base_files}",
                                    self.files, 0, per_dir=1000, seed=5, empty=True)
        self.dst = self.work / "dst" / self.name

    def argv(self, tool):
        name, binary = tool
        return [str(binary), "-a", "-n", "-e", str(rsh_script(self.work)),
                f"--rsync-path={binary}", f"{self.src}/", f"localhost:{self.dst}/"]


class ConcurrentClients(_DaemonScenario):
    name = "concurrent_clients"
    reps_factor = 0.4
    # Every daemon (crsync's and upstream's alike) is configured as an admin
    # expecting this load would: with upstream's default listen backlog of
    # 5, 500 clients at once overflow the accept queue and a few of them
    # are reset, for upstream's daemon as for crsync's.
    global_params = {"listen backlog": "512"}

    def __init__(self, work, scale):
        super().__init__(work, scale)
        self.clients = corpus.scaled(500, scale, 5)
        self.description = (f"{self.clients} concurrent daemon clients: module listing, "
                            "then a pull of one small file (listen backlog = 512)")

    def tree(self):
        return corpus.make_tree(self.work / "corpus" / "tiny", 10, 4096, seed=6)

    def measure(self, tool):
        name, binary = tool
        d = self.daemons[name]
        root = self.work / "dst" / self.name
        _rm(root)
        root.mkdir(parents=True)
        script = ('"$0" "$1" >/dev/null && "$0" "$1src/d00000/f0000003" "$2/" '
                  '&& test -s "$2/f0000003"')
        argvs = []
        for i in range(self.clients):
            dst = root / f"c{i}"
            dst.mkdir()
            argvs.append(["sh", "-c", script, str(binary), d.url(""), str(dst)])
        s = measure.run_many(argvs, timeout=600, daemon_pid=d.proc.pid)
        _rm(root)
        return s


def all_scenarios(work, scale):
    return [SmallFiles(work, scale), LargeFiles(work, scale), NoChange(work, scale),
            DeltaUpdate(work, scale), DaemonPull(work, scale), RshPush(work, scale),
            FlistMemory(work, scale, 100000), FlistMemory(work, scale, 1000000),
            ConcurrentClients(work, scale)]


# Targets against upstream (the tool named "rsync-3.5.0") from the same run:
# scenario -> list of (compared-to tool, metric, max ratio).
TARGETS = {
    "local_small_files": [("rsync-3.5.0", "wall", 0.7)],
    "local_large_files": [("rsync-3.5.0", "wall", 0.5), (REFERENCE, "wall", 1.3)],
    "nochange_resync": [("rsync-3.5.0", "wall", 0.8)],
    "delta_update": [("rsync-3.5.0", "wall", 0.6)],
    "daemon_pull": [("rsync-3.5.0", "wall", 0.8)],
}
