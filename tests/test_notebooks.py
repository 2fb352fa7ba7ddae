"""Every notebook in notebooks/ opens on the project's kernel and executes top to bottom in it."""

import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
# What `make setup` registers (`ipykernel install --name xai-widgets --display-name ...`); a
# notebook asking for another kernel makes users pick between two.
KERNEL_NAME, KERNEL_DISPLAY_NAME = "xai-widgets", "Python (xai_widgets)"


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_asks_for_the_projects_kernel(path):
    kernelspec = nbformat.read(path, as_version=4).metadata.get("kernelspec", {})
    assert (kernelspec.get("name"), kernelspec.get("display_name")) == (KERNEL_NAME, KERNEL_DISPLAY_NAME), (
        f"{path.name} asks for kernel {kernelspec.get('name')!r} ({kernelspec.get('display_name')!r}); "
        f"its metadata.kernelspec must name {KERNEL_NAME!r} ({KERNEL_DISPLAY_NAME!r}), which `make setup` registers"
    )


def projects_kernel_argv() -> list[str]:
    """The registered xai-widgets kernel's command line; fails clearly when it is missing."""
    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        pytest.fail(f"no kernel {KERNEL_NAME!r} is registered: run `make setup` (which registers it) before pytest")
    return list(spec.argv)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes(path):
    notebook = nbformat.read(path, as_version=4)
    kernel_name = notebook.metadata.get("kernelspec", {}).get("name")
    assert kernel_name == KERNEL_NAME, f"{path.name} asks for kernel {kernel_name!r}, not {KERNEL_NAME!r}"
    python = Path(projects_kernel_argv()[0])
    # A kernel registered from another checkout would run that checkout's code, not this one's.
    assert not python.is_absolute() or python.parent.resolve() == Path(sys.executable).parent.resolve(), (
        f"kernel {KERNEL_NAME!r} runs {python}, not this environment's {sys.executable}: register it from here "
        f"(`{sys.executable} -m ipykernel install --sys-prefix --name {KERNEL_NAME} "
        f'--display-name "{KERNEL_DISPLAY_NAME}"`)'
    )
    client = NotebookClient(
        notebook, timeout=600, kernel_name=kernel_name, resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors
