"""The lecture notebooks (notebooks/*.py, Jupytext percent format) run top to bottom in a
fresh Jupyter kernel, failing on any error."""
import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))

jupytext = pytest.importorskip("jupytext", reason="jupytext is installed by the docs extra")
nbclient = pytest.importorskip("nbclient", reason="nbclient is installed by the docs extra")


def test_every_part_of_the_lecture_has_a_notebook():
    numbers = [p.name[:2] for p in NOTEBOOKS]
    assert numbers == [f"{i:02d}" for i in range(1, 10)], numbers


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_in_a_fresh_kernel(path, tmp_path):
    nb = jupytext.read(path)
    text = path.read_text()
    assert "## Exercises" in text, f"{path.name} must end with exercises"
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", MPLBACKEND="Agg")
    client = nbclient.NotebookClient(nb, timeout=240, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    old = dict(os.environ)
    os.environ.update(env)
    try:
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
