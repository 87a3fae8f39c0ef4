"""Every user-facing word lives in the rules' texts (zh and en), so a company can reword it and
`--lang` reaches every message: no Chinese string literal in the code outside docstrings, help
texts (click's help=, the function wizard's doc=) and the value-parsing patterns of
core/values.py (年 月 日 万 亿 …). The VBA source of the button macros (addin.MACROS) is code of
another language, whose comments an admin reads in Excel's VBA editor: it is exempt too."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "kqexcel"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
PARSING_PATTERNS = {"core/values.py"}
HELP_KEYWORDS = {"help", "doc", "prompt", "metavar", "short_help", "epilog"}
OTHER_LANGUAGES = {"MACROS"}  # module-level names holding source code of another language (VBA)


def _exempt(tree: ast.AST) -> set[int]:
    """ids of the constants that are docstrings or help texts."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id in OTHER_LANGUAGES for t in node.targets
        ):
            out.add(id(node.value))
        elif isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg in HELP_KEYWORDS:
                    out.update(id(n) for n in ast.walk(keyword.value))
    return out


def _chinese_literals(path: Path, root: Path = PACKAGE) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    exempt = _exempt(tree)
    return [
        f"{path.relative_to(root)}:{node.lineno}: {node.value[:40]!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in exempt
        and CJK.search(node.value)
    ]


def test_no_chinese_words_in_the_code() -> None:
    found = [
        line
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).as_posix() not in PARSING_PATTERNS
        for line in _chinese_literals(path)
    ]
    assert found == [], "words to move into the rules' texts:\n" + "\n".join(found)


def test_the_check_finds_a_chinese_literal(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text('"""文档。"""\nimport click\n\nX = "客户"\nclick.option("-x", help="帮助")\n')
    assert _chinese_literals(module, tmp_path) == ["m.py:4: '客户'"]
