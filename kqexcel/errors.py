"""The errors kqexcel raises: one base class, a few kinds, each message one clear line.

An error is raised with the key of its text in the rules (``[errors.<key>]`` with ``zh`` and
``en``) and the values the text names, so it reaches a person in their language::

    raise LedgerError("no_header", path=path, need=2)
    exc.text("en")  # "…: no sheet has a recognisable header row (need at least 2 …)"

A message that is not a key (a library's own words, passed on) is shown as it is.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

TEXTS_FILE = Path(__file__).resolve().parent / "rules" / "texts.toml"


@functools.cache
def default_texts() -> Mapping[str, Mapping[str, str]]:
    """The shipped ``[errors]`` texts of the rules' texts.toml (read without the rules loader,
    which itself raises these errors)."""
    texts: Mapping[str, Mapping[str, str]] = tomllib.loads(
        TEXTS_FILE.read_text(encoding="utf-8")
    ).get("errors", {})
    return texts


class KqError(Exception):
    """Base of every error kqexcel reports to a person (the CLI prints `Error: <message>`)."""

    def __init__(self, key: str, /, **values: Any) -> None:
        super().__init__(key, values)
        self.key, self.values = key, values

    def text(self, lang: str = "zh", texts: Mapping[str, Any] | None = None) -> str:
        """The message in ``lang`` (``texts``: a company's reworded errors, else the defaults)."""
        entry = (texts or {}).get(self.key) or default_texts().get(self.key)
        if entry is None:  # not a key: words passed on as they are
            return self.key
        template = str(entry.get(lang) or entry.get("zh") or self.key)
        values = {
            k: v.text(lang, texts) if isinstance(v, KqError) else v for k, v in self.values.items()
        }
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):  # a reworded text naming an unknown value
            return str(entry.get("zh", self.key)).format(**values)

    def __str__(self) -> str:
        return self.text("zh")

    def __reduce__(self) -> tuple[Any, ...]:  # across processes (kq report --jobs)
        return (_rebuild, (type(self), self.key, self.values))


def one_line(exc: BaseException) -> str:
    """An unexpected exception as the reason in a one-line error: its type and its first 200
    characters, whitespace collapsed."""
    return f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"


def joined(items: list[Any]) -> Any:
    """Several reasons as one value of a message, joined by ``[errors.list_join]`` in the
    message's language (``a; b; c``)."""
    if len(items) <= 1:
        return items[0] if items else ""
    return KqError("list_join", first=items[0], rest=joined(items[1:]))


def _rebuild(kind: type[KqError], key: str, values: dict[str, Any]) -> KqError:
    return kind(key, **values)


class RulesError(KqError):
    """A rules file is unreadable or has a bad key or value (the message names the key)."""


class LedgerError(KqError):
    """A ledger cannot be read at all (not a workbook, no recognisable header, …)."""


class OutputError(KqError):
    """An output cannot be written (exists without --force, open in Excel, no permission)."""


class TemplateError(KqError):
    """A workbook template lacks what the writers need (defined names, sheets)."""


class UsageError(KqError):
    """The command's options contradict each other (e.g. an output that is one of its inputs):
    the CLI exits 2, as for any usage error, and writes nothing."""
