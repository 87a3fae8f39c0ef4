"""`kq plan --format ics` (DOMAIN §12): the calendar file, read back by icalendar and imported into
a real calendar client, khal."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

from kqexcel.cli import cli
from tests.conftest import required

AS_OF = "2026-11-23"


def khal() -> str:
    return required(shutil.which("khal"), "khal", "khal")


def plan_json(runner, sample: Path) -> list[dict]:
    result = runner.invoke(cli, ["plan", str(sample), "--as-of", AS_OF, "--format", "json"])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def write_ics(runner, sample: Path, out: Path, *extra: str) -> str:
    result = runner.invoke(
        cli, ["plan", str(sample), "--as-of", AS_OF, "--format", "ics", "-o", str(out), *extra]
    )
    assert result.exit_code == 0, result.output
    return out.read_bytes().decode("utf-8")


def within(records: list[dict], days: int = 30) -> list[dict]:
    start = dt.date.fromisoformat(AS_OF)
    return [
        r for r in records if 0 <= (dt.date.fromisoformat(r["next_contact"]) - start).days <= days
    ]


def test_one_all_day_event_per_customer_within_the_horizon(runner, sample, tmp_path):
    from icalendar import Calendar

    records = plan_json(runner, sample)
    text = write_ics(runner, sample, tmp_path / "p.ics")
    cal = Calendar.from_ical(text)
    events = list(cal.walk("VEVENT"))
    wanted = within(records)
    assert 0 < len(wanted) < len(records) and len(events) == len(wanted)
    by_name = {str(e["summary"]).split(" ", 2)[2]: e for e in events}
    for r in wanted:
        e = by_name[r["name"]]
        start, end = e.decoded("dtstart"), e.decoded("dtend")
        assert isinstance(start, dt.date) and not isinstance(start, dt.datetime)  # all day
        assert start.isoformat() == r["next_contact"] and end == start + dt.timedelta(days=1)
        label = {"visit": "拜访", "phone": "电话", "message": "微信短信", "email": "邮件"}
        assert str(e["summary"]) == f"[{r['priority']}] {label[r['channel']]} {r['name']}"
        assert e["categories"].to_ical().decode() == f"{r['priority']},{r['tier']}"
        assert r["talking_points"].splitlines()[0] in str(e["description"])
    # lines folded at 75 octets, never inside a character; CRLF line ends
    raw = text.encode("utf-8")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_uids_are_stable_and_different(runner, sample, tmp_path):
    from icalendar import Calendar

    first = Calendar.from_ical(write_ics(runner, sample, tmp_path / "a.ics"))
    second = Calendar.from_ical(write_ics(runner, sample, tmp_path / "b.ics"))
    uids = [str(e["uid"]) for e in first.walk("VEVENT")]
    assert len(set(uids)) == len(uids)
    assert uids == [str(e["uid"]) for e in second.walk("VEVENT")]


def test_the_horizon_comes_from_the_rules(runner, sample, tmp_path):
    from icalendar import Calendar

    rules = tmp_path / "r.toml"
    rules.write_text("[calendar]\nhorizon_days = 7\n", encoding="utf-8")
    cal = Calendar.from_ical(write_ics(runner, sample, tmp_path / "p.ics", "--rules", str(rules)))
    assert len(list(cal.walk("VEVENT"))) == len(within(plan_json(runner, sample), 7))


def test_khal_imports_the_plan_and_importing_twice_adds_nothing(runner, sample, tmp_path):
    binary = khal()
    records = within(plan_json(runner, sample))
    ics = tmp_path / "plan.ics"
    write_ics(runner, sample, ics)
    store = tmp_path / "cal"
    store.mkdir()
    config = tmp_path / "khal.conf"
    config.write_text(
        f"[calendars]\n[[kq]]\npath = {store}\ntype = calendar\n"
        "[locale]\ntimeformat = %H:%M\ndateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n"
        "datetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\n"
        "[default]\ndefault_calendar = kq\n",
        encoding="utf-8",
    )
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CACHE_HOME": str(tmp_path)}

    def run(*args: str) -> str:
        done = subprocess.run(
            [binary, "-c", str(config), *args], capture_output=True, text=True, env=env, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    run("import", "--batch", "-a", "kq", str(ics))
    assert len(list(store.iterdir())) == len(records)
    run("import", "--batch", "-a", "kq", str(ics))
    assert len(list(store.iterdir())) == len(records)  # the same UIDs: nothing added
    listing = run("list", "--format", "{start-date} {title}", "--day-format", "", AS_OF, "31d")
    lines = sorted(line for line in listing.splitlines() if line.strip())
    want = sorted(f"{r['next_contact']} [{r['priority']}] " for r in records)
    assert len(lines) == len(records)
    assert [line[: len(w)] for line, w in zip(lines, want, strict=True)] == want
    for r in records:
        assert any(r["name"] in line and line.startswith(r["next_contact"]) for line in lines)


def test_a_suffix_that_contradicts_the_format_is_a_usage_error(runner, sample, tmp_path):
    for out, fmt in (("c.xlsx", "csv"), ("p.csv", "ics"), ("p.ics", "xlsx"), ("p.xlsx", "json")):
        result = runner.invoke(
            cli, ["plan", str(sample), "--format", fmt, "-o", str(tmp_path / out)]
        )
        assert result.exit_code == 2, (out, fmt, result.output)
        assert "扩展名与 --format" in result.output
        assert not (tmp_path / out).exists()
