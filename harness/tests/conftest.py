import pytest

from crsync_harness import paths


@pytest.fixture(scope="session")
def crsync():
    return paths.crsync_bin()


@pytest.fixture(scope="session")
def peers():
    return paths.upstream_peers()
