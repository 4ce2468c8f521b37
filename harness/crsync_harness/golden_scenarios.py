"""Sets up a golden scenario (captures/golden-3.4.1, see its README) for a
live run: the fixture trees on tmpfs, the destination's starting state, the
daemon config and secrets, a daemon of the installed rsync on a free
loopback port, and the client's argv. Used by the pcap toolkit's replay
tests and by harness/pcap/scripts/pcap_matrix.py."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from .paths import GOLDEN


def scenario(name: str, set_dir: Path = GOLDEN) -> dict:
    return json.loads((Path(set_dir) / "scenarios" / name / "scenario.json").read_text())


def scenario_names(set_dir: Path = GOLDEN) -> list:
    return [s["name"] for s in json.loads((Path(set_dir) / "scenarios" / "index.json").read_text())["scenarios"]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 10.0) -> None:
    end = time.time() + timeout
    while time.time() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {port}")


class Workdir:
    """W with src, basis, specials, dst, secrets and the daemon config.
    set_dir is the capture set the scenario comes from (its fixtures
    generator builds the trees); by default captures/golden-3.4.1."""

    def __init__(self, name: str, set_dir: Path = GOLDEN):
        self.name = name
        self.set_dir = Path(set_dir)
        self.sc = scenario(name, self.set_dir)
        base = "/dev/shm" if os.path.isdir("/dev/shm") else None
        self.root = Path(tempfile.mkdtemp(prefix=f"crsync-pcap-{name}-", dir=base))
        subprocess.run(["/usr/bin/python3", str(self.set_dir / "fixtures" / "make_fixtures.py"), str(self.root)],
                       check=True, stdout=subprocess.DEVNULL)
        dst = self.root / "dst"
        if self.sc.get("destination_start") == "basis":
            subprocess.run(["cp", "-a", str(self.root / "basis"), str(dst)], check=True)
        else:
            dst.mkdir(exist_ok=True)
        secrets = self.root / "secrets"
        secrets.write_text("alice:secret\n")
        secrets.chmod(0o600)
        conf = self.sc["daemon_conf"].format(work=self.root, src=self.root / "src", dst=dst,
                                             specials=self.root / "specials")
        self.conf = self.root / "rsyncd.conf"
        self.conf.write_text(conf)

    def client_argv(self, port: int, rsync: str = "rsync") -> list:
        argv = [a.format(work=self.root, port=port) for a in self.sc["client_argv"]]
        argv[0] = rsync
        return argv

    def client_env(self) -> dict:
        env = dict(os.environ)
        # The goldens were recorded in UTC: listings print local times.
        env["TZ"] = "UTC"
        env.update(self.sc.get("env", {}))
        return env

    def start_daemon(self, port: int, rsync: str = "rsync") -> subprocess.Popen:
        p = subprocess.Popen([rsync, "--daemon", "--no-detach", f"--config={self.conf}", f"--port={port}",
                              "--address=127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(port)
        return p

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
