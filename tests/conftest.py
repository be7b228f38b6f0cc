import os
import sys

# No window from matplotlib in tests or the example scripts they run (functrace and
# the examples never choose a backend themselves)
os.environ.setdefault("MPLBACKEND", "Agg")

# make ``tests/specs`` importable as ``specs``
sys.path.insert(0, os.path.dirname(__file__))

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

# Property tests are derandomized by default so CI is reproducible; explore new
# examples locally with HYPOTHESIS_PROFILE=explore.
settings.register_profile("default-derandomized", derandomize=True, deadline=None)
settings.register_profile("explore", derandomize=False, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default-derandomized"))


@pytest.fixture(scope="session")
def dask_cluster():
    """A ``distributed.LocalCluster`` of two worker processes (one thread each) on loopback,
    shared by the Dask tests and the Dask example's test; closed at the end of the session."""
    import logging
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None,
                                       silence_logs=logging.CRITICAL)
    try:
        yield cluster
    finally:
        cluster.close()
