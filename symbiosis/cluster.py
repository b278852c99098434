"""Dask clusters, shared by sweeps (`symbiosis.batch.runner`) and parts of one program
(`symbiosis.decompose`): importing Dask, reaching a scheduler, a LocalCluster on this machine.

Its own module, apart from `symbiosis.batch`, so that the solver does not import the batch
package (pandas, charts) to reach a cluster. Dask itself is imported only when asked for.
"""
from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from typing import Any, Iterator

from .errors import InputError, Problem

CONNECT_TIMEOUT = "30s"
DASK_HINT = "Dask is not installed: pip install 'symbiosis[dask]'"
LOCAL = "local"  # the address that asks for a LocalCluster on this machine


def import_dask():
    """dask.distributed, or a bad option (exit 2) saying how to install it."""
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        raise InputError(Problem("--dask", DASK_HINT)) from None
    return dask.distributed


def connect(address: str, timeout: str | None = None) -> Any:
    """A client of the scheduler at `address`, waiting `timeout` (default CONNECT_TIMEOUT)
    for it; unreachable is a bad option (exit 2)."""
    distributed = import_dask()
    try:
        return distributed.Client(address, timeout=timeout or CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(Problem("--dask", f"cannot reach the scheduler at {address}: "
                                           f"{exc}")) from None


@contextmanager
def local_client(workers: int) -> Iterator[Any]:
    """A client of a new LocalCluster of `workers` single-threaded processes, closed after."""
    distributed = import_dask()
    # closing the cluster ends its idle workers; the nanny warns of each on the terminal
    logging.getLogger("distributed.nanny").setLevel(logging.ERROR)
    with children_skip_main():  # the cluster's processes start while this waits
        cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1,
                                           processes=True, dashboard_address=None)
    try:
        client = distributed.Client(cluster)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


@contextmanager
def client_of(address: str, workers: int) -> Iterator[Any]:
    """A client for `address` ("local": a LocalCluster of `workers` processes), closed after."""
    if address == LOCAL:
        with local_client(workers) as client:
            yield client
        return
    client = connect(address)
    try:
        yield client
    finally:
        client.close()


def total_threads(client: Any) -> int:
    """Tasks the cluster runs at once (its workers' threads, now)."""
    return sum(client.nthreads().values())


_START_LOCK = threading.Lock()


@contextmanager
def children_skip_main() -> Iterator[None]:
    """Start processes that do not run the parent's `__main__` again.

    spawn and forkserver children import the parent's main script (as `__mp_main__`) before
    running their target; a script that calls `sb.sweep(...)` without an
    `if __name__ == "__main__":` guard would then start a sweep inside every worker, which
    multiprocessing refuses, and every variant failed as a dead worker. Our targets
    (the sweep's `_child`, Dask's workers) and everything they receive live in importable
    modules, so the children need nothing from `__main__`: it is left out of what they prepare.
    """
    from multiprocessing import spawn

    original = spawn.get_preparation_data

    def prepared(name: str) -> dict[str, Any]:
        data = original(name)
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
        return data

    with _START_LOCK:
        spawn.get_preparation_data = prepared
        try:
            yield
        finally:
            spawn.get_preparation_data = original
