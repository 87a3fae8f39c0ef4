"""The layers of STYLE.md: the core stays pure, `kq --help` stays light."""

from __future__ import annotations

import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


def test_core_imports_no_io_cli_or_excel_library():
    loaded = _modules_after("import kqexcel.core.plan, kqexcel.core.ledger, kqexcel.core.values")
    for forbidden in ("openpyxl", "click", "xlwings", "python_calamine", "xlsxwriter"):
        assert forbidden not in loaded


def test_cli_start_up_does_not_load_heavy_libraries():
    loaded = _modules_after("import kqexcel.cli")
    for heavy in ("pandas", "numpy", "openpyxl", "python_calamine"):
        assert heavy not in loaded


def _import_graph() -> dict[str, set[str]]:
    """kqexcel's modules and the kqexcel modules each imports, at module level or inside a
    function (`from kqexcel.x import y` counts as kqexcel.x.y when y is a submodule)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "kqexcel"
    files = {
        ".".join(("kqexcel", *p.relative_to(root).with_suffix("").parts)).removesuffix(
            ".__init__"
        ): p
        for p in root.rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name in files}
            elif isinstance(node, ast.ImportFrom) and node.module in files and not node.level:
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    found.add(sub if sub in files else node.module)
        graph[module] = found - {module}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycles_even_through_function_level_imports():
    cycle = _cycle(_import_graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def test_the_cycle_finder_names_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
