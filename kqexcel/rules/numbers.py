"""The number sections of the rules as typed, frozen objects (``rules.numbers.priority.p1``).

Built once per ``Rules`` from its validated tree: a mistyped key is an AttributeError where it is
written (and a mypy error), not a KeyError in the middle of a plan. Tables of numbers such as
``cadence.tier_days`` are read-only mappings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any


class ReadOnly(Mapping[str, Any]):
    """A table of the rules that cannot be changed (unlike MappingProxyType it can be pickled:
    the report sends the rules to its reading processes)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = dict(data)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"ReadOnly({self._data!r})"


@dataclass(frozen=True)
class Reader:
    """[§1] How the reader finds the header and which cell words mean total, empty, yes and no."""

    header_scan_rows: int
    header_min_matches: int
    total_row_words: tuple[str, ...]
    placeholders: tuple[str, ...]
    yes: tuple[str, ...]
    no: tuple[str, ...]
    header_fillers: tuple[str, ...]
    date_suffixes: tuple[str, ...]
    header_suggest_score: int


@dataclass(frozen=True)
class Safety:
    """The limits a ledger must keep before it is read."""

    max_unpacked_mb: float
    max_compression_ratio: int
    max_rows: int
    max_record_rows: int
    max_csv_mb: float
    max_columns: int
    max_sheet_cells: int


@dataclass(frozen=True)
class Tier:
    """[§2] ABC tiers: the value ranked and the cumulative shares of A and B."""

    value: str
    a_share: float
    b_share: float


@dataclass(frozen=True)
class Profit:
    """[§3] The profit quadrant's marginal ratio and the top group's share."""

    marginal_ratio: float
    top_share: float


@dataclass(frozen=True)
class Style:
    """[§4] Contacts a customer of each style needs before deciding."""

    decides_after: Mapping[str, int]


@dataclass(frozen=True)
class Motivation:
    """[§5] The points of each indicator and the e-commerce team size that votes profit."""

    ecommerce_staff_profit_min: int
    points: Mapping[str, int]


@dataclass(frozen=True)
class Renewal:
    """[§5] Renewal floor and satisfaction line as factors of the past results."""

    floor_factor: float
    satisfaction_factor: float


@dataclass(frozen=True)
class Cadence:
    """[§8] Days between contacts by tier and intent, and the shortenings."""

    tier_days: Mapping[str, int]
    intent_days: Mapping[str, int]
    declined_prospect_days: int
    high_risk_days: int
    lapsed_days: int
    regressing_days: int
    complaint_days: int
    rfm_urgent_days: int


@dataclass(frozen=True)
class Log:
    """[§10] The follow-up log: its sheet names, the window of entries counted and the days a
    tier A customer may go without a visit."""

    sheet_names: tuple[str, ...]
    window_days: int
    visit_days_a: int


@dataclass(frozen=True)
class Contacts:
    """[§10] The contacts sheet's names."""

    sheet_names: tuple[str, ...]


@dataclass(frozen=True)
class Orders:
    """[§11] The orders sheet's names, the revenue window, and when order_gap and revenue_drop
    warn."""

    sheet_names: tuple[str, ...]
    window_days: int
    gap_factor: float
    drop_ratio: float


@dataclass(frozen=True)
class Rfm:
    """[§11] How RFM scores are cut (``bins``, ``method`` "quantile" or "fixed", the quantile
    ``break_offset``, the ``fixed_breaks`` of each measure) and the segment table, each row a
    mapping of ``code``, the ``r`` / ``f`` / ``m`` ranges and ``urgent``."""

    bins: int
    method: str
    break_offset: float
    fixed_breaks: Mapping[str, tuple[float, ...]]
    segments: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class Calendar:
    """[§12] Working days, the dates a company adds, the daily limit and the calendar file's
    horizon."""

    working_days: bool
    extra_holidays: tuple[Any, ...]
    extra_workdays: tuple[Any, ...]
    daily_limit: int
    horizon_days: int
    week_days: int
    week_columns: tuple[str, ...]


@dataclass(frozen=True)
class Warnings:
    """[§8] When a contract counts as ending."""

    contract_ending_days: int
    contract_ending_contact_days: int


@dataclass(frozen=True)
class Priority:
    """[§8] Priority score points and the P1/P2 thresholds."""

    tier: Mapping[str, int]
    risk: Mapping[str, int]
    intent: Mapping[str, int]
    overdue_cap_days: int
    overdue_days_per_point: int
    open_complaint: int
    promise_overdue: int
    followup_missed: int
    order_gap: int
    revenue_drop: int
    rfm_urgent: int
    owner_changed: int
    regressing: int
    lapsed: int
    max_score: int
    p1: int
    p2: int


@dataclass(frozen=True)
class Pool:
    """[§13] When a customer without a contract goes back to the public pool (公海)."""

    days: Mapping[str, int]
    notice_days: int


@dataclass(frozen=True)
class Report:
    """[§13] The monthly report: escalation, matching names across owners, the money unit."""

    escalate_days: int
    company_suffixes: tuple[str, ...]
    money_unit: str


@dataclass(frozen=True)
class Output:
    """What the plan workbook holds."""

    notes_max_rows: int


@dataclass(frozen=True)
class Numbers:
    """Every number section of the rules, one attribute per section."""

    reader: Reader
    safety: Safety
    tier: Tier
    profit: Profit
    style: Style
    motivation: Motivation
    renewal: Renewal
    cadence: Cadence
    log: Log
    contacts: Contacts
    orders: Orders
    rfm: Rfm
    calendar: Calendar
    warnings: Warnings
    priority: Priority
    pool: Pool
    report: Report
    output: Output


# the sections above, by their name in the rules file
_CLASSES: dict[str, type] = {
    "reader": Reader,
    "safety": Safety,
    "tier": Tier,
    "profit": Profit,
    "style": Style,
    "motivation": Motivation,
    "renewal": Renewal,
    "cadence": Cadence,
    "log": Log,
    "contacts": Contacts,
    "orders": Orders,
    "rfm": Rfm,
    "calendar": Calendar,
    "warnings": Warnings,
    "priority": Priority,
    "pool": Pool,
    "report": Report,
    "output": Output,
}
SECTIONS = tuple(_CLASSES)  # the number sections, in the order of the rules file


def _frozen(value: Any) -> Any:
    """A value of the tree that cannot be changed: tables as read-only mappings, lists as tuples."""
    if isinstance(value, dict):
        return ReadOnly({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(value)
    return value


def numbers_from(tree: Mapping[str, Any]) -> Numbers:
    """The typed number sections of a validated rules tree."""
    sections = {
        name: cls(**{key: _frozen(value) for key, value in tree[name].items()})
        for name, cls in _CLASSES.items()
    }
    return Numbers(**sections)
