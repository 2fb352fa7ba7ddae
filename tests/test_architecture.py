"""The house rules of the package, read from the source with the AST: the kernel's top level holds
only sub-packages, widgets import the kernel's public face only, the kernel and the zoo import no
widget library, and the import graph has no cycles. Each check is shown failing on a fake package."""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "xai_widgets"
# What the kernel and the zoo must never import: the widget libraries and the widgets themselves.
WIDGET_LIBRARIES = ("ipywidgets", "anywidget", "bqplot", "traitlets")


# ---- reading the package ------------------------------------------------------------------------
def package_modules(root: Path, package: str) -> dict[str, Path]:
    """Every module of ``package`` (found under ``root``) by dotted name; a package is its ``__init__``."""
    modules = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if "__pycache__" in parts:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


class _ImportCollector(ast.NodeVisitor):
    """The modules one module imports, relative imports resolved; ``if TYPE_CHECKING:`` bodies are
    skipped when ``skip_type_checking`` (they never run, so they make no cycle)."""

    def __init__(self, module: str, is_package: bool, known: set[str], skip_type_checking: bool) -> None:
        self.package = module if is_package else module.rpartition(".")[0]
        self.known = known
        self.skip_type_checking = skip_type_checking
        self.imported: list[str] = []

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        type_checking = (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
        )
        if type_checking and self.skip_type_checking:
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.imported.extend(alias.name for alias in node.names)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            package = self.package
            for _ in range(node.level - 1):
                package = package.rpartition(".")[0]
            base = f"{package}.{node.module}" if node.module else package
        for alias in node.names:
            # ``from pkg import name`` imports the module pkg.name when there is one, else pkg.
            submodule = f"{base}.{alias.name}"
            self.imported.append(submodule if submodule in self.known else base)


def imports_by_module(root: Path, package: str, skip_type_checking: bool = False) -> dict[str, list[str]]:
    """Each module of ``package`` and the dotted names of everything its AST imports."""
    modules = package_modules(root, package)
    result = {}
    for name, path in modules.items():
        collector = _ImportCollector(name, path.name == "__init__.py", set(modules), skip_type_checking)
        collector.visit(ast.parse(path.read_text(), filename=str(path)))
        result[name] = collector.imported
    return result


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


# ---- the checks: each returns what breaks its rule (empty when the rule holds) ----------------
def kernel_top_level_strays(root: Path, package: str) -> list[str]:
    """Entries of ``package/kernel`` other than ``__init__.py`` and sub-packages."""
    kernel = root / package / "kernel"
    strays = []
    for entry in sorted(kernel.iterdir()):
        if entry.name in ("__init__.py", "__pycache__"):
            continue
        if not (entry.is_dir() and (entry / "__init__.py").is_file()):
            strays.append(entry.name)
    return strays


def widget_imports_of_kernel_modules(root: Path, package: str, namespaces: Sequence[str] = ()) -> list[str]:
    """Imports in ``package.widgets`` of a kernel sub-module by path (the kernel package itself is fine,
    and so are the ``namespaces`` it exports by name, such as ``metrics`` for ``xw.metrics``)."""
    kernel = f"{package}.kernel"
    public = {f"{kernel}.{name}" for name in namespaces}
    return [
        f"{module} imports {target}"
        for module, targets in imports_by_module(root, package).items()
        if _within(module, f"{package}.widgets")
        for target in targets
        if target.startswith(kernel + ".") and target not in public
    ]


def forbidden_kernel_and_zoo_imports(root: Path, package: str) -> list[str]:
    """Imports in ``package.kernel`` or ``package.zoo`` of a widget library or of ``package.widgets``."""
    return [
        f"{module} imports {target}"
        for module, targets in imports_by_module(root, package).items()
        if _within(module, f"{package}.kernel") or _within(module, f"{package}.zoo")
        for target in targets
        if target.split(".")[0] in WIDGET_LIBRARIES or _within(target, f"{package}.widgets")
    ]


def import_cycle(root: Path, package: str) -> list[str]:
    """One cycle of the import graph as [a, b, ..., a], or [] when there is none."""
    graph = {
        module: sorted({target for target in targets if target in imports_of and target != module})
        for imports_of in [imports_by_module(root, package, skip_type_checking=True)]
        for module, targets in imports_of.items()
    }
    done: set[str] = set()
    path: list[str] = []
    on_path: set[str] = set()

    def visit(module: str) -> list[str]:
        path.append(module)
        on_path.add(module)
        for target in graph[module]:
            if target in on_path:
                return path[path.index(target) :] + [target]
            if target not in done:
                cycle = visit(target)
                if cycle:
                    return cycle
        path.pop()
        on_path.discard(module)
        done.add(module)
        return []

    for module in sorted(graph):
        if module not in done:
            cycle = visit(module)
            if cycle:
                return cycle
    return []


# ---- the rules hold for the package ------------------------------------------------------------
def test_the_kernel_top_level_holds_only_sub_packages_and_its_init():
    assert kernel_top_level_strays(ROOT, PACKAGE) == []


def test_widgets_import_only_the_kernel_public_face():
    import xai_widgets.kernel as kernel

    namespaces = [name for name in kernel.__all__ if inspect.ismodule(getattr(kernel, name))]
    assert widget_imports_of_kernel_modules(ROOT, PACKAGE, namespaces) == []


def test_the_kernel_and_the_zoo_import_no_widget_library_and_no_widget():
    assert forbidden_kernel_and_zoo_imports(ROOT, PACKAGE) == []


def test_the_import_graph_has_no_cycles():
    cycle = import_cycle(ROOT, PACKAGE)
    assert cycle == [], "import cycle: " + " -> ".join(cycle)


# ---- each check catches what it is for, on a fake package -------------------------------------
def write_package(root: Path, files: dict[str, str]) -> None:
    """Write ``files`` (path -> source) under ``root``, with an empty ``__init__.py`` in every folder."""
    for relative, source in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    for folder in {p.parent for p in root.rglob("*.py")}:
        (folder / "__init__.py").touch()


def test_a_module_or_a_plain_folder_at_the_kernel_top_level_is_reported(tmp_path):
    write_package(tmp_path, {"fake/kernel/core/errors.py": "", "fake/kernel/helpers.py": ""})
    (tmp_path / "fake/kernel/data").mkdir()
    (tmp_path / "fake/kernel/data/table.csv").write_text("a,b\n")
    assert kernel_top_level_strays(tmp_path, "fake") == ["data", "helpers.py"]
    (tmp_path / "fake/kernel/helpers.py").unlink()
    (tmp_path / "fake/kernel/data/__init__.py").touch()
    assert kernel_top_level_strays(tmp_path, "fake") == []


@pytest.mark.parametrize(
    "source, reported",
    [
        ("from ...kernel.core.errors import ExplainerError\n", "fake.kernel.core.errors"),
        ("from ...kernel.core import errors\n", "fake.kernel.core.errors"),
        ("from ...kernel import core\n", "fake.kernel.core"),
        ("import fake.kernel.core.errors\n", "fake.kernel.core.errors"),
        ("from fake.kernel.core.errors import ExplainerError\n", "fake.kernel.core.errors"),
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ...kernel.core import errors\n",
            "fake.kernel.core.errors",
        ),
        ("from ...kernel import ExplainerError\nfrom fake.kernel import Explainer\nimport fake.kernel\n", None),
    ],
)
def test_a_widget_importing_a_kernel_sub_module_by_path_is_reported(tmp_path, source, reported):
    write_package(
        tmp_path,
        {
            "fake/kernel/__init__.py": "from .core.errors import ExplainerError\nExplainer = object\n",
            "fake/kernel/core/errors.py": "class ExplainerError(Exception): ...\n",
            "fake/widgets/views/view.py": source,
        },
    )
    expected = [] if reported is None else [f"fake.widgets.views.view imports {reported}"]
    assert widget_imports_of_kernel_modules(tmp_path, "fake") == expected


@pytest.mark.parametrize(
    "module, source, reported",
    [
        ("fake/kernel/probes/sweep.py", "import ipywidgets as w\n", "ipywidgets"),
        ("fake/kernel/probes/sweep.py", "def chart():\n    from bqplot import Figure\n", "bqplot"),
        ("fake/kernel/__init__.py", "import traitlets.config\n", "traitlets.config"),
        ("fake/zoo/data.py", "from anywidget import AnyWidget\n", "anywidget"),
        ("fake/zoo/data.py", "from ..widgets import view\n", "fake.widgets.view"),
        ("fake/kernel/probes/sweep.py", "from ...widgets.view import View\n", "fake.widgets.view"),
        ("fake/zoo/data.py", "import torch\nfrom ..kernel import Explainer\nimport traitlets_free\n", None),
    ],
)
def test_a_widget_import_in_the_kernel_or_the_zoo_is_reported(tmp_path, module, source, reported):
    write_package(tmp_path, {"fake/widgets/view.py": "import ipywidgets\n", module: source})
    name = module.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
    expected = [] if reported is None else [f"{name} imports {reported}"]
    assert forbidden_kernel_and_zoo_imports(tmp_path, "fake") == expected


def test_an_import_cycle_is_reported_and_type_checking_imports_make_none(tmp_path):
    write_package(
        tmp_path,
        {
            "fake/kernel/core/a.py": "from . import b\n",
            "fake/kernel/core/b.py": "from ..probes.c import thing\n",
            "fake/kernel/probes/c.py": "from ..core.a import other\nthing = 1\n",
            "fake/widgets/view.py": "from ..kernel import core\n",
        },
    )
    assert import_cycle(tmp_path, "fake") == [
        "fake.kernel.core.a",
        "fake.kernel.core.b",
        "fake.kernel.probes.c",
        "fake.kernel.core.a",
    ]
    (tmp_path / "fake/kernel/probes/c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..core.a import other\nthing = 1\n"
    )
    assert import_cycle(tmp_path, "fake") == []
    (tmp_path / "fake/kernel/core/__init__.py").write_text("from ...widgets import view\n")
    assert import_cycle(tmp_path, "fake") == ["fake.kernel.core", "fake.widgets.view", "fake.kernel.core"]
