#!/bin/sh
# Converts the notebooks (jupytext percent-format .py files) to .ipynb and executes them headless,
# writing the executed notebooks, outputs included, next to their sources.
#
#   pip install -r notebooks/requirements.txt
#   notebooks/run.sh                 # all notebooks
#   notebooks/run.sh nines           # one
#
# timonel is $TIMONEL when set; otherwise this script builds the release binary and uses it.
set -eu
cd "$(dirname "$0")"
if [ -z "${TIMONEL:-}" ]; then
    (cd .. && cargo build --release --quiet)
    TIMONEL="$(cd .. && pwd)/target/release/timonel"
fi
export TIMONEL
if [ "$#" -eq 0 ]; then
    set -- rollout_strategies nines
fi
for name in "$@"; do
    echo "notebooks: $name"
    jupytext --quiet --to ipynb --output "$name.ipynb" "$name.py"
    python3 - "$name.ipynb" <<'PY'
import sys

import nbformat
from nbclient import NotebookClient

path = sys.argv[1]
notebook = nbformat.read(path, as_version=4)
NotebookClient(notebook, timeout=1200, kernel_name="python3", resources={"metadata": {"path": "."}}).execute()
# Execution counts and outputs stay; the kernel's timing metadata would change on every run.
for cell in notebook.cells:
    cell.metadata.pop("execution", None)
nbformat.write(notebook, path)
PY
done
