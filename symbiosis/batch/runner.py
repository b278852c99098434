"""Running a sweep: the sweep folder, resuming, a process pool or a Dask cluster, summary.csv.

Layout of a sweep folder `DIR` (docs/format.md, "A sweep folder"):
- `DIR/<variant>/`: the variant's result folder, written all or nothing, with its resolved
  `scenario.yaml` and `input_hash` in `kpis.json`;
- `DIR/summary.csv`: one row per variant in the sweep file's order; deterministic, so an
  interrupted and resumed sweep writes the same bytes as an uninterrupted one;
- `DIR/timings.csv`: seconds per phase of each finished variant (wall clock: varies);
- `DIR/sweep.yaml`: the sweep file as given.

A variant whose folder holds a `kpis.json` with the same `input_hash` is finished: running
the sweep again skips it. Variants that failed (no folder) run again.
"""
from __future__ import annotations

import multiprocessing
import re
import shutil
import signal
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any, Callable, Iterator

import pandas as pd

from .. import outputs
from ..cluster import CONNECT_TIMEOUT, children_skip_main, connect, import_dask, local_client
from ..errors import InputError, Problem
from ..results import SIGNIFICANT, check_output_folder
from .spec import SweepPlan, Variant
from .task import ERROR, HEAT_COLUMNS, KPI_COLUMNS, Task, read_kpis, row_from_kpis, run_task

SWEEP_FILES = ("summary.csv", "timings.csv", "sweep.yaml", "compare.csv", ".lock")
TIMING_PHASES = ("load", "network", "build", "handoff", "solve", "extract", "firms_alone",
                 "write")
SUMMARY_EVERY_S = 2.0  # rewrite summary.csv at most this often while a sweep runs
DASK_CONNECT_TIMEOUT = CONNECT_TIMEOUT  # read at each connect, so that a caller may shorten it

Progress = Callable[[dict[str, Any], int, int], None]  # row, finished so far, to run


@dataclass
class SweepOutcome:
    """What a sweep run did: the summary table and counts."""

    folder: Path
    table: pd.DataFrame  # summary.csv, indexed by variant
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # finished by an earlier run

    @property
    def failed(self) -> list[str]:
        return self.table.index[~self.table.status.isin(["optimal", "feasible"])].tolist()


# --- the folder ---------------------------------------------------------------------------


def is_sweep_folder(folder: Path) -> bool:
    return (folder / "sweep.yaml").is_file()


def check_folder(plan: SweepPlan, out: Path) -> None:
    """Refuse an `out` that is not new, empty (or holding only a lock) or a sweep folder, and
    a variant folder in it that is not a result folder. Only recovers what a killed write
    left: nothing new is written before every refusal has had its chance."""
    only_lock = out.is_dir() and sorted(p.name for p in out.iterdir()) == [".lock"]
    if not only_lock:
        outputs.check_folder(out, "sweep", "-o", legacy=is_sweep_folder)
    for name in plan.names:
        check_output_folder(out / name)


def prepare_folder(plan: SweepPlan, out: Path) -> None:
    """Make `out` a sweep folder (checked by check_folder, and locked, before this)."""
    out.mkdir(parents=True, exist_ok=True)
    outputs.mark(out, "sweep")
    names = set(plan.names) | set(SWEEP_FILES)
    for name in names:
        outputs.recover(out / name)
    for entry in out.iterdir():  # leftovers of runs before temporary names had a pid
        m = re.match(r"^\.(.+)\.(?:old-\d+|[A-Za-z0-9_]{8})$", entry.name)
        if m and m.group(1) in names:
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
    _write_atomic(out / "sweep.yaml", plan.text)


class _Lock:
    """One sweep at a time in a folder (POSIX); elsewhere, no lock."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / ".lock"
        self.file = None

    def __enter__(self) -> "_Lock":
        try:
            import fcntl
        except ImportError:
            return self
        self.folder.mkdir(parents=True, exist_ok=True)
        self.file = open(self.path, "a")  # "a": never truncate the file another run holds
        try:
            fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.file.close()
            raise InputError(Problem(str(self.path.parent), "another sweep is running in this "
                                                            "folder")) from None
        return self

    def __exit__(self, *exc) -> None:
        if self.file is not None:
            self.file.close()


def finished_row(variant: Variant, folder: Path) -> dict[str, Any] | None:
    """The row of a variant an earlier run finished with the same inputs, else None."""
    try:
        kpis = read_kpis(folder / variant.name)
    except (OSError, ValueError):
        return None
    if kpis.get("input_hash") != variant.input_hash:
        return None
    return row_from_kpis(variant.name, kpis)


# --- running ------------------------------------------------------------------------------


def run_sweep(plan: SweepPlan, out: str | Path, workers: int = 1, dask: str | None = None,
              force: bool = False, progress: Progress | None = None,
              on_start: Callable[[int, int], None] | None = None) -> SweepOutcome:
    """Run every variant not already finished, into `out`; return the summary.

    workers: processes of the local pool (one fresh process per variant), or Dask workers
    with dask="local". dask: None (local pool), "local" (a LocalCluster) or a scheduler
    address. force: run every variant again.
    """
    if dask is not None:
        import_dask()
    out = Path(out).resolve()
    check_folder(plan, out)  # every refusal before anything is written
    client = connect(dask, DASK_CONNECT_TIMEOUT) if dask not in (None, "local") else None
    try:
        with _Lock(out):
            prepare_folder(plan, out)
            return _run_locked(plan, out, workers, dask, client, force, progress, on_start)
    finally:
        if client is not None:
            client.close()


def _run_locked(plan: SweepPlan, out: Path, workers: int, dask: str | None, client: Any,
                force: bool, progress: Progress | None,
                on_start: Callable[[int, int], None] | None) -> SweepOutcome:
    """run_sweep once the folder is checked, locked and prepared."""
    rows: dict[str, dict[str, Any]] = {}
    for v in plan.variants:
        row = None if force else finished_row(v, out)
        if row is not None:
            rows[v.name] = row
    skipped = [n for n in plan.names if n in rows]
    tasks = [Task(v.name, v.scenario, v.input_hash, str(out / v.name),
                  v.scenario_yaml(out / v.name)) for v in plan.variants
             if v.name not in rows]
    if on_start is not None:
        on_start(len(tasks), len(skipped))
    last_write = time.monotonic()
    runs = (_run_dask(tasks, workers, client) if dask is not None
            else _run_pool(tasks, workers))
    try:
        for done, row in enumerate(runs, 1):
            rows[row["variant"]] = row
            if progress is not None:
                progress(row, done, len(tasks))
            if time.monotonic() - last_write > SUMMARY_EVERY_S:
                write_summary(plan, out, rows)
                last_write = time.monotonic()
    finally:  # also when interrupted: stop the workers; what finished is in the summary
        runs.close()
        table = write_summary(plan, out, rows)
    ran = [t.variant for t in tasks]
    return SweepOutcome(folder=out, table=table, ran=ran, skipped=skipped)


def _pool_context():
    """Fresh processes forked from a server that has imported symbiosis once, so a variant
    does not pay Python's and Pyomo's import time again (spawn would); plain fork is unsafe
    in a process that may have started threads."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["symbiosis.batch.task", "symbiosis.pipeline"])
    return ctx


def _child(task: Task, conn) -> None:
    """A variant's process: run it, send back its row."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    row = run_task(task)
    try:
        conn.send(row)
        conn.close()
    except OSError:  # the parent stopped waiting (interrupted): the folder is written anyway
        pass


def _run_pool(tasks: list[Task], workers: int) -> Iterator[dict[str, Any]]:
    """Rows as variants finish; at most `workers` at once, each in a fresh process.

    One process per variant because Pyomo's memory grows in long-lived processes. This is
    what ProcessPoolExecutor(max_tasks_per_child=1) offers, written out: that pool can hang at
    exit after an interrupt (Python 3.11), and one worker killed by the system breaks the
    whole pool, whereas here only its own variant fails.
    """
    ctx = _pool_context()
    waiting = list(tasks)
    running: dict[Any, tuple[Any, Any, Task]] = {}  # result pipe -> (process, pipe, task)
    try:
        while waiting or running:
            while waiting and len(running) < workers:
                task = waiting.pop(0)
                receive, send = ctx.Pipe(duplex=False)
                process = ctx.Process(target=_child, args=(task, send), daemon=True,
                                      name=f"symbiosis-{task.variant}")
                with children_skip_main():
                    process.start()
                send.close()
                running[receive] = (process, receive, task)
            watched = [*running, *(p.sentinel for p, _, _ in running.values())]
            ready = set(wait(watched))
            for receive, (process, _, task) in list(running.items()):
                if receive not in ready and process.sentinel not in ready:
                    continue
                try:
                    row = receive.recv()
                except (EOFError, OSError):  # died before sending: killed, out of memory
                    process.join()
                    row = {"variant": task.variant, "status": ERROR,
                           "reason": f"the worker process died (exit code {process.exitcode}"
                                     "; killed, or out of memory?)"}
                process.join()
                receive.close()
                del running[receive]
                yield row
    finally:  # interrupted: abandon the variants in flight (nothing is half-written)
        for process, receive, _ in running.values():
            process.terminate()
        for process, receive, _ in running.values():
            process.join()
            receive.close()


def _run_dask(tasks: list[Task], workers: int, client: Any) -> Iterator[dict[str, Any]]:
    """The same tasks on a Dask cluster: with no client, a LocalCluster of `workers`
    single-threaded processes (`--dask local`); else the client's scheduler. Workers must see
    `out` (a shared filesystem on a real cluster). The caller closes its own client."""
    distributed = import_dask()
    if not tasks:
        return
    with local_client(workers) if client is None else nullcontext(client) as client:
        futures = {client.submit(run_task, t, pure=False, key=f"symbiosis-{t.variant}-"
                                 f"{t.input_hash[:12]}"): t for t in tasks}
        for future in distributed.as_completed(futures):
            try:
                yield future.result()
            except Exception as exc:  # the worker died, or the task could not be sent
                yield {"variant": futures[future].variant, "status": ERROR,
                       "reason": f"{type(exc).__name__}: {exc}"}


# --- summary ------------------------------------------------------------------------------


def summary_table(plan: SweepPlan, rows: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per variant in the sweep file's order; variants not run yet say `pending`."""
    heat = [f"heat.{k}" for k in HEAT_COLUMNS]
    columns = ["status", "reason", *plan.axes, *KPI_COLUMNS]
    if any(c in r for r in rows.values() for c in heat):
        columns += heat
    columns.append("input_hash")
    records = []
    for v in plan.variants:
        row = rows.get(v.name, {"status": "pending", "reason": ""})
        records.append({"status": row["status"], "reason": row.get("reason", ""), **v.params,
                        **{c: row.get(c) for c in columns[2 + len(plan.axes):]},
                        "input_hash": v.input_hash})
    table = pd.DataFrame.from_records(records, index=pd.Index(plan.names, name="variant"),
                                      columns=columns)
    return table


def write_summary(plan: SweepPlan, out: Path, rows: dict[str, dict[str, Any]]) -> pd.DataFrame:
    table = summary_table(plan, rows)
    _write_atomic(out / "summary.csv", outputs.csv_text(table, float_format=f"%.{SIGNIFICANT}g"))
    timings = pd.DataFrame.from_records(
        [{"variant": n, **{p: rows[n].get("timings_s", {}).get(p) for p in TIMING_PHASES},
          "seconds": rows[n].get("seconds")} for n in plan.names if n in rows],
        columns=["variant", *TIMING_PHASES, "seconds"])
    _write_atomic(out / "timings.csv", outputs.csv_text(timings, index=False, float_format="%.4g"))
    return table


def read_summary(folder: Path) -> pd.DataFrame:
    return outputs.csv_unescape(pd.read_csv(folder / "summary.csv", index_col="variant",
                                            keep_default_na=False, na_values=[""]))


def _write_atomic(path: Path, text: str) -> None:
    outputs.write_file(path, text.encode("utf-8"))
