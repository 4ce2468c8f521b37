"""Which of upstream's command-line options crsync accepts.

The option names come from the real peer's `--help` (Debian's rsync 3.5.0).
Each is given to crsync both bare and with a value, in a dry run between two
scratch directories; an option is unsupported when both forms are refused as
an unknown option. The unsupported ones are listed, with why, in
interop/unsupported-options.json: the test fails when an option missing from
that ledger is refused, and when a listed option is accepted (the ledger
must be updated when an option is implemented).
"""
import json
import re
import subprocess

import pytest

from crsync_harness import paths

LEDGER = paths.REPO / "interop" / "unsupported-options.json"


def upstream_long_options(rsync):
    text = subprocess.run([rsync, "--help"], capture_output=True, text=True, timeout=30).stdout
    names = set(re.findall(r"(?<![\w-])--([a-z0-9][a-z0-9-]*[a-z0-9])", text))
    # "--no-OPTION" and "--drop-" style placeholders in the help text are
    # not options themselves.
    return sorted(n for n in names if n not in ("no", "drop"))


def refused(crsync, opt, tmp_path):
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir(exist_ok=True)
    for form in (f"--{opt}", f"--{opt}=1"):
        r = subprocess.run([crsync, "-n", form, f"{src}/", f"{dst}/"], capture_output=True,
                           text=True, timeout=30, stdin=subprocess.DEVNULL)
        if "unknown option" not in r.stderr:
            return False
    return True


def test_option_ledger_is_exact(crsync, peers, tmp_path):
    ledger = json.loads(LEDGER.read_text())
    listed = {e["option"]: e for e in ledger["entries"]}
    for e in ledger["entries"]:
        assert e.get("why"), f"ledger entry without a reason: {e}"
    options = upstream_long_options(peers["3.5.0"])
    assert len(options) > 120, options  # the help text was parsed
    unsupported = {o for o in options if refused(crsync, o, tmp_path)}
    unlisted = sorted(unsupported - set(listed))
    now_accepted = sorted(set(listed) & (set(options) - unsupported))
    not_upstream = sorted(set(listed) - set(options))
    assert not unlisted, f"refused but not in {LEDGER.name}: {unlisted}"
    assert not now_accepted, f"accepted now, remove from {LEDGER.name}: {now_accepted}"
    assert not not_upstream, f"not an upstream option: {not_upstream}"


@pytest.mark.parametrize("opt", ["archive", "delete", "checksum", "inplace", "partial-dir"])
def test_known_options_are_accepted(crsync, opt, tmp_path):
    """The probe itself can tell an accepted option from a refused one."""
    assert not refused(crsync, opt, tmp_path)
    assert refused(crsync, "no-such-option-anywhere", tmp_path)
