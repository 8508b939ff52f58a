"""The package layout: dependencies point one way (docs/architecture.md).

Layers, lowest first. A module may import (at run time) only from its own package or from a
package listed before it; imports under ``if TYPE_CHECKING:`` are type hints and do not count.
``sim/__init__.py`` (the public API) and ``sim/__main__.py`` sit on top and may import anything.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"

LAYERS = ["kernels", "config", "world", "engine", "execution", "sweeps", "analysis", "io",
          "viz", "cli"]


def _runtime_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every ``sim.*`` import outside ``if TYPE_CHECKING:`` blocks."""
    out: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "sim" or node.module.startswith("sim."):
                if node.module == "sim":
                    out.extend((node.lineno, f"sim.{a.name}") for a in node.names)
                else:
                    out.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            out.extend((node.lineno, a.name) for a in node.names if a.name.startswith("sim."))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return out


def _modules() -> list[Path]:
    return sorted(p for p in SIM.rglob("*.py") if p.parent != SIM)


def test_every_module_sits_in_a_layer() -> None:
    packages = {p.relative_to(SIM).parts[0] for p in _modules()}
    assert packages <= set(LAYERS), f"packages outside the layer list: {packages - set(LAYERS)}"


def test_no_relative_imports() -> None:
    """Absolute ``sim.`` imports only, so the checks below see every dependency."""
    bad = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level > 0:
                bad.append(f"{path.relative_to(SIM)}:{node.lineno}")
    assert not bad, bad


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SIM)))
def test_imports_point_down(path: Path) -> None:
    own = LAYERS.index(path.relative_to(SIM).parts[0])
    bad = []
    for line, module in _runtime_imports(ast.parse(path.read_text())):
        parts = module.split(".")
        if len(parts) < 2 or parts[1] not in LAYERS:
            bad.append(f"line {line}: {module} is not in a layer")
            continue
        if LAYERS.index(parts[1]) > own:
            bad.append(f"line {line}: {module} ({parts[1]}) is above {LAYERS[own]}")
    assert not bad, f"{path.relative_to(SIM)} imports upwards: {bad}"


def test_kernels_use_numeric_libraries_only() -> None:
    """Kernels import numpy, numba, scipy, the standard library and other kernels only."""
    allowed = {"numpy", "numba", "scipy", "math", "typing", "collections", "__future__",
               "functools", "dataclasses", "os", "concurrent"}
    bad = []
    for path in (SIM / "kernels").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                top = name.split(".")[0]
                if top == "sim":
                    if not name.startswith("sim.kernels") and name != "sim.world.graph":
                        bad.append(f"{path.name}: {name}")
                elif top not in allowed:
                    bad.append(f"{path.name}: {name}")
    assert not bad, bad


def test_nothing_below_the_model_refers_to_it() -> None:
    """Mechanisms, agents and the world take a context or plain arrays, never the model (not
    even as a type hint): only the model itself and the layers above the engine name it."""
    above = set(LAYERS[LAYERS.index("engine") + 1:])
    bad = []
    for path in _modules():
        rel = path.relative_to(SIM)
        if rel.parts[0] in above or rel.as_posix() == "engine/model.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "sim.engine.model":
                bad.append(f"{rel}:{node.lineno}")
    assert not bad, bad
