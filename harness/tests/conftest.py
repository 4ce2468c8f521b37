import pytest

from crsync_harness import paths


@pytest.fixture(scope="session")
def crsync():
    return paths.crsync_bin()


@pytest.fixture(scope="session")
def peers():
    return paths.upstream_peers()


def pytest_terminal_summary(terminalreporter):
    """Prints the interop pass table when interop cells ran."""
    try:
        from test_interop_matrix import RESULTS
    except ImportError:
        return
    if not RESULTS:
        return
    rows = sorted(RESULTS.items())
    clean = sum(1 for _, r in rows if all(v != "FAIL" for v in r.values()))
    ledgered = sum(1 for _, r in rows if any(v == "ledger" for v in r.values()))
    tr = terminalreporter
    tr.write_line("")
    tr.write_line(f"interop matrix: {clean}/{len(rows)} cells match upstream "
                  f"({ledgered} with a ledgered divergence)")
    for cid, r in rows:
        tr.write_line(f"  {cid:72s} " + " ".join(f"{k}={v}" for k, v in sorted(r.items())))
