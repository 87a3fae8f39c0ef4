"""[8/8] `kq report --scheduler`: the ledgers read on a real Dask cluster — a `dask scheduler`
and two `dask worker` processes started here on 127.0.0.1 — give the same report as `--jobs 1`,
a broken or missing ledger is listed with no traceback, and a ledger whose reading kills its
worker is retried on another, then listed as failed."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from kqexcel.cli import cli
from tests.conftest import DATA, ROOT

SAMPLE = ROOT / "templates" / "sample_ledger.xlsx"
MONTH = ["--month", "2026-11", "--as-of", "2026-11-30"]


def distributed_or_skip() -> None:
    try:
        import distributed  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("dask[distributed] is required in CI: tests/setup.sh installs .[dask]")
        pytest.skip("dask[distributed] is not installed")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A real scheduler and two workers (each one process of one thread, restarted by its
    nanny when it dies) on 127.0.0.1; a ledger may kill one worker, and is failed when it kills
    a second."""
    distributed_or_skip()
    folder = tmp_path_factory.mktemp("dask")
    scheduler_file = folder / "scheduler.json"
    env = {
        **os.environ,
        "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1",
        # one task at a time per worker: a worker's death is blamed on the ledger it was reading
        "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    log = (folder / "cluster.log").open("w")
    procs = [
        subprocess.Popen(
            [
                sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                "--port", "0", "--no-dashboard", "--scheduler-file", str(scheduler_file),
            ],
            env=env, stdout=log, stderr=log,
        )
    ]  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        for name in ("w1", "w2"):
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable, "-m", "distributed.cli.dask_worker", address,
                        "--nworkers", "1", "--nthreads", "1", "--no-dashboard", "--name", name,
                        "--host", "127.0.0.1",
                        "--preload", str(ROOT / "tests" / "dask_preload.py"),
                    ],
                    env=env, stdout=log, stderr=log,
                )
            )  # fmt: skip
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        log.close()


def ledgers(folder: Path, *extra: str) -> Path:
    """The sample, the messy ledger, a file that is no workbook, and ``extra`` copies."""
    folder.mkdir()
    shutil.copy(SAMPLE, folder / "a_sample.xlsx")
    shutil.copy(DATA / "messy_ledger.xlsx", folder / "b_messy.xlsx")
    (folder / "c_broken.xlsx").write_bytes(b"not a workbook")
    for name in extra:
        shutil.copy(SAMPLE, folder / name)
    return folder


def run(runner, folder: Path, out: Path, *options: str):
    summary = out.with_suffix(".json")
    result = runner.invoke(
        cli,
        ["report", str(folder), *MONTH, "-o", str(out), "--summary-json", str(summary), "-q",
         *options],
    )  # fmt: skip
    return result, json.loads(summary.read_text(encoding="utf-8")) if summary.exists() else None


def customers(path: Path) -> list[tuple]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(wb["全部客户"].iter_rows(values_only=True))
    finally:
        wb.close()


def test_a_real_cluster_gives_the_report_of_one_process(runner, cluster, tmp_path):
    folder = ledgers(tmp_path / "in", "d_more.xlsx")
    alone, alone_json = run(runner, folder, tmp_path / "one.xlsx")
    spread, spread_json = run(runner, folder, tmp_path / "dask.xlsx", "--scheduler", cluster)
    assert alone.exit_code == spread.exit_code == 1  # the broken ledger
    assert spread_json == alone_json
    assert customers(tmp_path / "dask.xlsx") == customers(tmp_path / "one.xlsx")
    failed = [s for s in spread_json["ledgers"] if s["status"] == "failed"]
    assert [Path(s["file"]).name for s in failed] == ["c_broken.xlsx"]
    assert "Traceback" not in spread.output and spread.output.count("\n") == 1
    assert spread.output.startswith("无法读取") or "c_broken.xlsx" in spread.output


def test_the_scheduler_comes_from_kq_scheduler_too(runner, cluster, tmp_path, monkeypatch):
    folder = ledgers(tmp_path / "in")
    monkeypatch.setenv("KQ_SCHEDULER", cluster)
    result, figures = run(runner, folder, tmp_path / "r.xlsx")
    assert result.exit_code == 1 and figures["ledgers_read"] == 2


@contextlib.contextmanager
def deadline(seconds: int):
    """Fails the test after ``seconds`` instead of letting a batch wait forever."""

    def expired(signum, frame):
        pytest.fail(f"the batch did not end in {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_a_ledger_that_kills_its_worker_is_retried_then_listed(runner, cluster, tmp_path):
    """Both workers die on it (once each), and every other ledger is still read, also those
    waiting behind it: nothing the batch needs (its rules) dies with a worker."""
    more = [f"{c}_more.xlsx" for c in "efghijkl"]
    folder = ledgers(tmp_path / "in", "a0_kills_worker.xlsx", *more)
    with deadline(180):
        result, figures = run(
            runner, folder, tmp_path / "r.xlsx", "--scheduler", cluster, "--lang", "en"
        )
    assert result.exit_code == 1, result.output
    status = {Path(s["file"]).name: s for s in figures["ledgers"]}
    assert status["a0_kills_worker.xlsx"]["status"] == "failed"
    assert "ended the reading process" in status["a0_kills_worker.xlsx"]["error"]
    failed = sorted(name for name, s in status.items() if s["status"] == "failed")
    assert failed == ["a0_kills_worker.xlsx", "c_broken.xlsx"], status
    assert len(status) == 3 + 1 + len(more)
    assert "Traceback" not in result.output and "KilledWorker" not in result.output
    assert "distributed" not in result.output  # no log line of dask's
    # the cluster is whole again for the next batch (the nanny restarted the worker)
    with deadline(120):
        again, figures = run(
            runner, ledgers(tmp_path / "again"), tmp_path / "r2.xlsx", "--scheduler", cluster
        )
    assert again.exit_code == 1 and figures["ledgers_read"] == 2
    assert rules_left(cluster) == []  # each batch deletes the rules it gave the scheduler


def rules_left(address: str) -> list[str]:
    """The names of kq's rules Variables still on the scheduler."""
    from distributed import Client

    def names(dask_scheduler) -> list[str]:
        variables = dask_scheduler.extensions["variables"].variables
        return sorted(n for n in variables if n.startswith("kqexcel-rules-"))

    with Client(address, timeout=30) as client:
        return client.run_on_scheduler(names)


def test_a_missing_ledger_is_listed(cluster, tmp_path):
    from kqexcel.io.report_io import read_all
    from kqexcel.rules import default_rules

    gone = tmp_path / "gone.xlsx"
    results = read_all([SAMPLE, gone], default_rules(), scheduler=cluster, lang="en")
    assert [Path(f).name for f, _ in results] == ["sample_ledger.xlsx", "gone.xlsx"]
    assert not isinstance(results[0][1], str) and "gone.xlsx" in results[1][1]


def test_local_n_starts_a_local_cluster(runner, tmp_path):
    distributed_or_skip()
    folder = ledgers(tmp_path / "in")
    alone, alone_json = run(runner, folder, tmp_path / "one.xlsx")
    local, local_json = run(runner, folder, tmp_path / "local.xlsx", "--scheduler", "local:2")
    assert local.exit_code == alone.exit_code == 1
    assert local_json == alone_json, local.output


@pytest.mark.parametrize(
    ("options", "code", "words"),
    [
        (["--scheduler", "local:0"], 1, "local:N"),
        (["--scheduler", "local:1000"], 1, "local:N"),
        (["--scheduler", "local:two"], 1, "local:N"),
        (["--scheduler", "nonsense"], 1, "tcp://"),
        (["--scheduler", "local:2", "--jobs", "2"], 2, "--jobs"),
    ],
)
def test_scheduler_mistakes_are_one_line(runner, tmp_path, options, code, words):
    distributed_or_skip()
    folder = ledgers(tmp_path / "in")
    result = runner.invoke(
        cli, ["report", str(folder), *MONTH, "-o", str(tmp_path / "r.xlsx"), *options]
    )
    assert result.exit_code == code, result.output
    line = result.stderr.strip()
    assert line.startswith("Error:") and words in line and "\n" not in line
    assert not (tmp_path / "r.xlsx").exists()


def test_an_unreachable_scheduler_is_one_line(runner, tmp_path, monkeypatch):
    distributed_or_skip()
    from kqexcel.io import cluster

    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 2)
    folder = ledgers(tmp_path / "in")
    result = runner.invoke(
        cli, ["report", str(folder), *MONTH, "--scheduler", "tcp://127.0.0.1:9", "--lang", "en"]
    )
    assert result.exit_code == 1, result.output
    line = result.stderr.strip()
    assert line.startswith("Error: cannot reach the Dask scheduler") and "\n" not in line


def test_without_dask_the_scheduler_says_how_to_install_it(runner, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    folder = ledgers(tmp_path / "in")
    for lang, words in (
        ("zh", "pip install 'kqexcel[dask]'"),
        ("en", "pip install 'kqexcel[dask]'"),
    ):
        result = runner.invoke(
            cli, ["report", str(folder), *MONTH, "--scheduler", "local:2", "--lang", lang]
        )
        assert result.exit_code == 1, result.output
        line = result.stderr.strip()
        assert line.startswith("Error:") and words in line and "\n" not in line


def test_ctrl_c_on_a_local_cluster_prints_no_traceback(tmp_path):
    import signal

    distributed_or_skip()
    for i in range(1000):  # long enough that the signal comes while the workers read
        shutil.copy(SAMPLE, tmp_path / f"ledger{i:04d}.xlsx")
    (tmp_path / "out").mkdir()
    args = ["report", str(tmp_path), *MONTH, "-o", str(tmp_path / "out" / "r.xlsx")]
    proc = subprocess.Popen(
        [sys.executable, "-m", "kqexcel", *args, "--scheduler", "local:2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    time.sleep(5)  # the cluster has started and reads (1,000 ledgers: some 15 s of reading)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal does: the whole process group
    _, err = proc.communicate(timeout=90)
    assert b"Traceback" not in err, err.decode()
    assert proc.returncode == 1, err.decode()
    assert not list((tmp_path / "out").iterdir())
    deadline, left = time.monotonic() + 20, "?"
    while left and time.monotonic() < deadline:  # the cluster's processes end with kq
        time.sleep(0.5)
        found = subprocess.run(["pgrep", "-a", "-g", str(proc.pid)], capture_output=True, text=True)
        left = found.stdout.strip()
    assert not left, f"processes left running: {left}"
