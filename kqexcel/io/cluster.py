"""[8/8] Reading the ledgers on a Dask distributed cluster (``kq report --scheduler``).

The same per-ledger function as ``--jobs`` (:func:`kqexcel.io.report_io._read_one`) runs on the
cluster's workers through ``Client.get_executor()``: the workers read the files by path (they
must see the same files), and what comes back is plain data — the parsed ledger's columns and
its problems, or the one-line reason it could not be read. Tiers and the report are made on the
client, as with ``--jobs``.

``local:N`` starts a ``LocalCluster`` of N worker processes on this machine. Dask's own logging
(a worker that died, a task retried) never reaches the terminal: a ledger whose reading kills
its worker is retried on another (``distributed.scheduler.allowed-failures``), then listed as
failed with the usual one line.
"""

from __future__ import annotations

import contextlib
import logging
import pickle
import re
import signal
import threading
import uuid
import warnings
from collections.abc import Iterator
from typing import Any

from kqexcel.errors import KqError, one_line

LOCAL = re.compile(r"local:(\d{1,4})")
CONNECT_SECONDS = 20  # to reach the scheduler, and for a first worker to join it
KEPT_RULES = 4  # on a worker: the rules of the last few batches, fetched once each
_RULES: dict[str, Any] = {}  # on a worker: rules by their Variable's name
_RULES_LOCK = threading.Lock()


def check_scheduler(address: str) -> None:
    """Before anything is read: the extra is installed and the address is one kq takes."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise KqError("scheduler_needs_dask") from None
    local = LOCAL.fullmatch(address)
    if address.startswith("local") and not (local and 1 <= int(local.group(1)) <= 256):
        raise KqError("scheduler_bad_address", address=address)
    if not local and ":" not in address:  # tcp://HOST:PORT, or HOST:PORT
        raise KqError("scheduler_bad_address", address=address)


@contextlib.contextmanager
def quiet_dask() -> Iterator[None]:
    """No log line on this terminal while the batch runs: dask's loggers (and their children,
    which set levels of their own) are kq's only ones, and a worker's death is said as the
    ledger's one line instead."""
    before = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        with warnings.catch_warnings():  # e.g. "Port 8787 is already in use"
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(before)


@contextlib.contextmanager
def _workers_ignore_ctrl_c() -> Iterator[None]:
    """The local cluster's processes are started with Ctrl-C ignored (a process started so
    keeps it ignored, and Python then installs no KeyboardInterrupt), as ``--jobs`` workers
    are: a terminal's Ctrl-C reaches the whole process group, and only kq handles it — it
    closes the cluster — with no traceback from each worker."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


@contextlib.contextmanager
def connect(address: str) -> Iterator[Any]:
    """A ``distributed.Client`` of the scheduler at ``address`` (``tcp://HOST:PORT``), or of a
    ``LocalCluster`` for ``local:N``; closed (and the local cluster stopped) afterwards."""
    check_scheduler(address)
    import distributed

    with quiet_dask():
        cluster = None
        local = LOCAL.fullmatch(address)
        try:
            if local:
                with _workers_ignore_ctrl_c():
                    cluster = distributed.LocalCluster(
                        n_workers=int(local.group(1)),
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=":0",  # any free port: never a clash with another
                        silence_logs=logging.CRITICAL + 1,
                    )
                client = distributed.Client(cluster, timeout=CONNECT_SECONDS)
            else:
                client = distributed.Client(address, timeout=CONNECT_SECONDS)
        except (OSError, TimeoutError) as exc:
            if cluster is not None:
                cluster.close()
            raise KqError("scheduler_unreachable", address=address, why=one_line(exc)) from None
        try:
            client.wait_for_workers(1, timeout=CONNECT_SECONDS)
        except (OSError, TimeoutError):
            client.close()
            if cluster is not None:
                cluster.close()
            raise KqError("scheduler_no_workers", address=address) from None
        try:
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.close(timeout=CONNECT_SECONDS)
            if cluster is not None:
                with contextlib.suppress(Exception):
                    cluster.close(timeout=CONNECT_SECONDS)


def died(exc: BaseException) -> bool:
    """The reading killed its worker every time it was tried (dask's ``KilledWorker``)."""
    from distributed.scheduler import KilledWorker

    return isinstance(exc, KilledWorker)


@contextlib.contextmanager
def shared_rules(client: Any, work: list[tuple[Any, Any, str, Any]]) -> Iterator[list[Any]]:
    """The work with each rules object replaced by the name of a ``distributed.Variable`` that
    holds it (pickled, ≈200 KB, kept by the scheduler once): each worker process fetches the
    rules on its first ledger, not with every ledger. Not scattered data: a worker that dies
    would take its copy with it, and after a second death the ledgers waiting for it never end.
    The variables are deleted after the batch."""
    import distributed

    names: dict[int, str] = {}
    variables = []
    try:
        for _, rules, _, _ in work:
            if id(rules) not in names:
                names[id(rules)] = name = f"kqexcel-rules-{uuid.uuid4().hex}"
                variable = distributed.Variable(name, client=client)
                variables.append(variable)  # deleted even if Ctrl-C lands in set()
                variable.set(pickle.dumps(rules, pickle.HIGHEST_PROTOCOL))
        yield [(path, names[id(rules)], lang, day) for path, rules, lang, day in work]
    finally:
        for variable in variables:
            with contextlib.suppress(Exception):
                variable.delete()


def shared(name: str) -> Any:
    """On a worker: the rules ``shared_rules`` put under ``name``, fetched from the scheduler
    on this process's first ledger of the batch, then kept (the last ``KEPT_RULES``); one
    fetch for all the worker's threads."""
    with _RULES_LOCK:
        rules = _RULES.get(name)
        if rules is None:
            import distributed

            data = distributed.Variable(name).get(timeout=CONNECT_SECONDS)
            rules = _RULES[name] = pickle.loads(data)
            while len(_RULES) > KEPT_RULES:
                _RULES.pop(next(iter(_RULES)), None)
        return rules
