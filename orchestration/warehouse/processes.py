"""Worker processes that start warm. The refresh's process pools (reading and checking releases,
the disclosure step, the exports) used to spawn each worker as a new interpreter, which then
imported pandas, Arrow and Great Expectations again before its first job: about 5 s of CPU a
worker (national full refresh: two workers in each of two ingest batches). Here the workers
are forked from one server process (multiprocessing's forkserver) that imported those modules
once, ideally while the refresh was still starting up: a worker then starts in milliseconds
with its imports done.

Why this is safe where forking the refresh's own process was not (it holds DuckDB and Dagster
threads, whose locks a fork copies mid-use): the server is a new interpreter that only imports
modules — it opens no database and starts no Dagster. The only threads its imports start are
OpenBLAS's (numpy) and jemalloc's (Arrow), and both libraries register fork handlers that
stop them before a fork and restart them after. A worker takes the environment of the process
that made its pool, as a spawned one would, not the server's. Where the platform has no
forkserver, workers are spawned."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import forkserver
from multiprocessing.context import BaseContext

_START_METHOD = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
# the modules the server was started with, once it has been (this process's server)
_server_modules: tuple[str, ...] | None = None


def start_server(modules: Iterable[str]) -> None:
    """Start the server with `modules` imported (in the background: this returns at once), unless
    this process started it already — then it keeps the imports it has, and a worker imports
    what it lacks itself. Start it early, with every module the pools will need."""
    global _server_modules
    if _START_METHOD != "forkserver":
        return
    if _server_modules is None:
        _server_modules = tuple(sorted(set(modules)))
        multiprocessing.get_context("forkserver").set_forkserver_preload(list(_server_modules))
    # starts the server, or starts it again if it has died
    forkserver.ensure_running()


def stop_server() -> None:
    """Stop the server this process started, and wait for it: the CPU time of the server and
    of every worker it forked then counts as this process's children's (`make bench` reads it
    there), and no server outlives its refresh by a moment."""
    global _server_modules
    if _server_modules is None:
        return
    # multiprocessing has no public call for this; its own tests stop the server this way
    forkserver._forkserver._stop()
    _server_modules = None


def worker_pool(workers: int, modules: Iterable[str] = ()) -> ProcessPoolExecutor:
    """A pool of `workers` processes, forked from the server (started now with `modules` if it
    is not running) — `modules` being what the pool's jobs import."""
    start_server(modules)
    context: BaseContext = multiprocessing.get_context(_START_METHOD)
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=adopt_environment,
        initargs=(dict(os.environ),),
    )


def adopt_environment(environment: dict[str, str]) -> None:
    """This process takes `environment` as its own. In a new pool worker: the environment of
    the process that made the pool (the server's may be older: settings exported since, a
    test's data folder)."""
    os.environ.clear()
    os.environ.update(environment)
