"""The flagship tour run by `make demo`."""
import runpy
from pathlib import Path

HERE = Path(__file__).parent

if __name__ == "__main__":
    runpy.run_path(str(HERE / "functional_tour.py"), run_name="__main__")
