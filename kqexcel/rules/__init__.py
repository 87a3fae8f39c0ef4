"""Load, overlay and validate the rules file (thresholds, synonyms, labels, texts).

The package ships ``default.toml``; a manager's file overlays it key by key. Validation takes
the shape of the defaults as the schema: an unknown key or a value of the wrong type is an error
that names the key. Synonym lists in an overlay are added to the defaults.
"""

from __future__ import annotations

import copy
import functools
import re
import string
import tomllib
import unicodedata
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from kqexcel.errors import RulesError

LANGS = ("zh", "en")
_SEP = re.compile(r"[\s_\-]+")


def norm_key(value: object) -> str:
    """The matching key of a header or value: NFKC, trimmed, case-folded, `_ - space` as one."""
    text = unicodedata.normalize("NFKC", str(value)).strip().casefold()
    return _SEP.sub(" ", text)


def _default_tree() -> dict[str, Any]:
    text = resources.files("kqexcel.rules").joinpath("default.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _merge(base: dict[str, Any], over: dict[str, Any], path: str) -> None:
    """Overlay ``over`` onto ``base`` in place, checking every key against the defaults."""
    for key, value in over.items():
        where = f"{path}.{key}" if path else key
        if key not in base:
            if _open_table(path):
                base[key] = value
                continue
            raise RulesError(f"unknown key '{where}' in the rules file")
        current = base[key]
        if isinstance(current, dict):
            if not isinstance(value, dict):
                raise RulesError(f"'{where}' must be a table, not {type(value).__name__}")
            _merge(current, value, where)
        elif isinstance(current, list):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise RulesError(f"'{where}' must be a list of texts")
            if key == "synonyms" or path == "reader":
                base[key] = current + [v for v in value if v not in current]
            else:
                base[key] = value
        elif isinstance(current, bool) or isinstance(value, bool):
            raise RulesError(f"'{where}' has a bad value {value!r}")
        elif isinstance(current, (int, float)):
            if not isinstance(value, (int, float)):
                raise RulesError(f"'{where}' must be a number, not {value!r}")
            if isinstance(current, int) and not isinstance(current, bool) and isinstance(value, float) and not value.is_integer():
                raise RulesError(f"'{where}' must be a whole number, not {value!r}")
            base[key] = type(current)(value)
        elif isinstance(current, str):
            if not isinstance(value, str):
                raise RulesError(f"'{where}' must be a text, not {value!r}")
            if where.startswith("rationale."):  # the templates filled in with str.format
                _check_placeholders(where, current, value)
            base[key] = value
        else:  # pragma: no cover - the defaults hold no other types
            base[key] = value


def _placeholders(where: str, text: str) -> set[str]:
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise RulesError(f"'{where}' has an unmatched {{ or }} (write {{{{ and }}}} for a literal brace)") from None
    names = set()
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise RulesError(f"'{where}' has a bad placeholder {{{name}{'!' + conversion if conversion else ''}"
                             f"{':' + spec if spec else ''}}}")
        names.add(name)
    return names


# placeholders a template may still use although the default text no longer does
LEGACY_PLACEHOLDERS = {"rationale.style_explicit": {"raw"}}


def _check_placeholders(where: str, default: str, value: str) -> None:
    """A rationale template may use the placeholders of the default it replaces, and no others."""
    allowed = _placeholders(where, default) | LEGACY_PLACEHOLDERS.get(where.rsplit(".", 1)[0], set())
    unknown = sorted(_placeholders(where, value) - allowed)
    if unknown:
        hint = ", ".join("{" + a + "}" for a in sorted(allowed)) or "none"
        raise RulesError(f"'{where}' uses an unknown placeholder {{{unknown[0]}}} (allowed: {hint})")


def _open_table(path: str) -> bool:
    """Tables where a manager may add entries of their own (extra texts only)."""
    return path.startswith("texts.")


def _check(tree: dict[str, Any]) -> None:
    """Checks across keys that the shape alone cannot express."""

    def number(path: str) -> float:
        node: Any = tree
        for part in path.split("."):
            node = node[part]
        return float(node)

    for key in ("tier.a_share", "tier.b_share", "profit.marginal_ratio", "profit.top_share"):
        if not 0 < number(key) <= 1:
            raise RulesError(f"'{key}' must be between 0 and 1, not {number(key)}")
    if number("tier.a_share") > number("tier.b_share"):
        raise RulesError("'tier.a_share' must not be larger than 'tier.b_share'")
    if tree["tier"]["value"] not in ("revenue", "profit", "expected_value"):
        raise RulesError(
            f"'tier.value' must be revenue, profit or expected_value, not {tree['tier']['value']!r}"
        )
    if number("priority.p1") < number("priority.p2"):
        raise RulesError("'priority.p1' must not be smaller than 'priority.p2'")
    for section in ("cadence", "style.decides_after", "priority", "warnings", "renewal", "motivation",
                    "reader", "output", "safety"):
        node: Any = tree
        for part in section.split("."):
            node = node[part]
        for key, value in _leaves(node, section):
            if isinstance(value, (int, float)) and value < 0:
                raise RulesError(f"'{key}' must not be negative, not {value}")
    if number("priority.overdue_days_per_point") <= 0:
        raise RulesError("'priority.overdue_days_per_point' must be larger than 0")
    for domain, codes in tree["codes"].items():
        for code, entry in codes.items():
            for lang in LANGS:
                if not str(entry.get(lang, "")).strip():
                    raise RulesError(f"'codes.{domain}.{code}.{lang}' must not be empty")
    texts = tree.get("texts", {})
    for lang in LANGS:
        promise = texts.get("objective", {}).get("keep_promise", {}).get(lang)
        if promise is not None and "{promise}" not in promise:
            raise RulesError(f"'texts.objective.keep_promise.{lang}' must contain {{promise}}")


def _leaves(node: Any, path: str):  # type: ignore[no-untyped-def]
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, f"{path}.{key}")
    else:
        yield path, node


class Rules:
    """The effective rules: the defaults with a manager's overlay, validated."""

    def __init__(self, tree: dict[str, Any], source: str = "default") -> None:
        self.tree = tree
        self.source = source

    def __getitem__(self, key: str) -> Any:
        return self.tree[key]

    @property
    def version(self) -> str:
        return str(self.tree["meta"]["version"])

    def label(self, domain: str, code: str | None, lang: str) -> str | None:
        """The zh/en label of an output or input code (None stays None)."""
        if code is None:
            return None
        entry = self.tree["codes"].get(domain, {}).get(code)
        return str(entry[lang]) if entry else code

    def field_label(self, field: str, lang: str) -> str:
        """The zh/en header of a ledger field or an output field."""
        if field in self.tree["output_fields"]:
            return str(self.tree["output_fields"][field][lang])
        return str(self.tree["fields"][field][lang])

    def text(self, domain: str, code: str | None, lang: str, key: str | None = None) -> str | None:
        """A sentence from the texts section (None when the code has none)."""
        if code is None:
            return None
        entry = self.tree.get("texts", {}).get(domain, {}).get(code)
        if not entry:
            return None
        return entry.get(f"{key}_{lang}" if key else lang)

    @cached_property
    def code_lookup(self) -> dict[str, dict[str, str]]:
        """For each code domain: normalised spelling → code (code, zh, en and synonyms)."""
        lookup: dict[str, dict[str, str]] = {}
        for domain, codes in self.tree["codes"].items():
            table: dict[str, str] = {}
            for code, entry in codes.items():
                for spelling in [code, entry["en"], entry["zh"], *entry.get("synonyms", [])]:
                    table.setdefault(norm_key(spelling), code)
            lookup[domain] = table
        return lookup

    @cached_property
    def header_lookup(self) -> dict[str, str]:
        """Normalised header spelling (zh, en, synonyms, code) → field."""
        table: dict[str, str] = {}
        for field, entry in self.tree["fields"].items():
            for spelling in [entry["zh"], entry["en"], *entry["synonyms"], field]:
                table.setdefault(norm_key(spelling).replace(" ", ""), field)
        return table


@functools.cache
def default_rules() -> Rules:
    """The shipped rules, read once: what a company's own labels and headers are compared with."""
    return load_rules()


def load_rules(path: str | Path | None = None) -> Rules:
    """The default rules, overlaid with the manager's file at ``path`` when given."""
    tree = _default_tree()
    source = "default"
    if path is not None:
        path = Path(path)
        try:
            over = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            raise RulesError(f"rules file not found: {path}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise RulesError(f"cannot read rules file {path}: {exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise RulesError(f"{path}: not valid TOML ({exc})") from None
        tree = copy.deepcopy(tree)
        try:
            _merge(tree, over, "")
            _check(tree)
        except RulesError as exc:
            raise RulesError(f"{path}: {exc}") from None
        source = str(path)
    else:
        _check(tree)
    return Rules(tree, source)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
        return f'"{escaped}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(type(value))  # pragma: no cover


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_value(key)


def dump_toml(tree: dict[str, Any]) -> str:
    """The rules tree as TOML (tables of scalars; small tables of tables inline)."""
    lines: list[str] = []

    def table(node: dict[str, Any], path: list[str]) -> None:
        scalars = {k: v for k, v in node.items() if not _is_table(v)}
        tables = {k: v for k, v in node.items() if _is_table(v)}
        if scalars and path:
            lines.append("")
            lines.append("[" + ".".join(_toml_key(p) for p in path) + "]")
        for key, value in scalars.items():
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
        for key, value in tables.items():
            table(value, [*path, key])

    table(tree, [])
    return "\n".join(lines).lstrip("\n") + "\n"


def _is_table(value: Any) -> bool:
    """A table written as [section]; tables whose values are all scalars of a leaf stay inline."""
    if not isinstance(value, dict):
        return False
    return any(isinstance(v, dict) for v in value.values()) or not _inline_ok(value)


def _inline_ok(value: dict[str, Any]) -> bool:
    return set(value) <= {"zh", "en"} or (len(value) <= 4 and all(isinstance(v, (int, float)) for v in value.values()))
