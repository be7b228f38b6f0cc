import os
import sys

# No window from matplotlib in tests or the example scripts they run (functrace and
# the examples never choose a backend themselves)
os.environ.setdefault("MPLBACKEND", "Agg")

# make ``tests/specs`` importable as ``specs``
sys.path.insert(0, os.path.dirname(__file__))

from hypothesis import settings  # noqa: E402

# Property tests are derandomized by default so CI is reproducible; explore new
# examples locally with HYPOTHESIS_PROFILE=explore.
settings.register_profile("default-derandomized", derandomize=True, deadline=None)
settings.register_profile("explore", derandomize=False, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default-derandomized"))
