"""The errors kqexcel raises: one base class, a few kinds, each message one clear line."""

from __future__ import annotations


class KqError(Exception):
    """Base of every error kqexcel reports to a person (the CLI prints `Error: <message>`)."""


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
