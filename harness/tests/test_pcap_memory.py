"""crsync-pcap dissects a large capture in bounded memory: a 128 MiB pull
from a live 3.5.0 daemon, recorded with `crsync-pcap capture` (as root),
then `show --summary` and `diff` under /usr/bin/time -v. Their peak RSS must
stay under half the capture's size (before the streams were spooled to
temporary files it was about three times the capture). A memory check, not
a timing check. harness/pcap/scripts/big_capture.py does the work."""
import json
import os
import subprocess
import sys

import pytest

from crsync_harness.paths import REPO
from test_pcap_tool import pcap_tool

MIB = 128


@pytest.mark.skipif(os.geteuid() != 0, reason="capturing on loopback needs root")
def test_show_and_diff_of_a_128_mib_capture_stay_in_bounded_memory():
    r = subprocess.run([sys.executable, str(REPO / "harness" / "pcap" / "scripts" / "big_capture.py"),
                        "--pcap", str(pcap_tool()), "--mib", str(MIB), "--diff",
                        "--bwlimit", "40000"],  # no dropped packet on a busy machine
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    size = res["capture_bytes"]
    assert size > MIB << 20, res
    show = res["show_summary"]
    assert show["exit"] == 0 and "0 undecoded" in show["last_line"], show
    assert show["last_line"].count(" 0 undecoded") == 2, show
    diff = res["diff"]
    assert diff["exit"] == 0 and "agree at L0" in diff["last_line"], diff
    bound_kib = size // 2 // 1024  # half the capture (measured: show 40 MB, diff 53 MB)
    assert show["max_rss_kib"] < bound_kib, (show, bound_kib)
    assert diff["max_rss_kib"] < bound_kib, (diff, bound_kib)
