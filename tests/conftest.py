import os
import sys

# make ``tests/specs`` importable as ``specs``
sys.path.insert(0, os.path.dirname(__file__))
