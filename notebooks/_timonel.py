"""Helpers shared by the notebooks: where the repository is, and how to call timonel.

The binary is `$TIMONEL` when set, otherwise `cargo run --release --quiet --` from the
repository root. Results go under `results/notebooks/` of the repository.
"""

import os
import shlex
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "results" / "notebooks"


def command():
    """The command line that runs timonel, as a list."""
    binary = os.environ.get("TIMONEL")
    if binary:
        return [binary]
    return ["cargo", "run", "--release", "--quiet", "--"]


def rel(path):
    """`path` relative to the repository root when it is inside it (timonel runs there)."""
    path = Path(path)
    try:
        return path.resolve().relative_to(ROOT)
    except ValueError:
        return path


def timonel(*args, ok=(0, 3)):
    """Runs timonel from the repository root; returns its exit code.

    Paths are given relative to the repository root. Exit code 3 (an expectation failed) is
    expected in some experiments; anything not in `ok` raises with timonel's standard error.
    """
    args = [str(rel(a)) if isinstance(a, Path) else str(a) for a in args]
    print("$ timonel " + " ".join(shlex.quote(a) for a in args))
    cmd = command() + args
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode not in ok:
        raise RuntimeError(f"exit {done.returncode}\n{done.stderr}")
    return done.returncode
