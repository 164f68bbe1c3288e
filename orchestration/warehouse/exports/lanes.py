"""Run independent jobs on this process and worker processes at once: each lane — this
process, or one thread handing jobs to one worker — takes the next job from one shared queue
when it is free, so jobs queued biggest first end about when the biggest one does."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from orchestration.warehouse.processes import worker_pool

Job = TypeVar("Job")
Result = TypeVar("Result")


def run_in_lanes(
    run: Callable[[Job], Result],
    jobs: Sequence[Job],
    workers: int,
    describe: Callable[[Job], str],
) -> list[Result]:
    """`run(job)` of every job (results in `jobs` order), here and in `workers` worker
    processes (0: all here). `run` and the jobs must pickle. A failure stops the queue and is
    raised as a RuntimeError naming the job by `describe`."""
    queue = deque(enumerate(jobs))
    results: dict[int, Result] = {}
    if workers <= 0:
        _drain(queue, run, results, describe)
        return [results[i] for i in range(len(jobs))]
    with (
        worker_pool(workers, (run.__module__,)) as pool,
        ThreadPoolExecutor(max_workers=workers) as feeders,
    ):

        def remote_lane() -> None:
            # A lane takes its first job only once its worker has imported `run`'s module
            # (unpickling `run` does): a worker slow to start must not hold a job this
            # process could have written meanwhile.
            try:
                pool.submit(_imported, run).result()
            except Exception as exc:
                raise RuntimeError(f"starting a worker process failed: {exc!r}") from exc
            _drain(queue, lambda job: pool.submit(run, job).result(), results, describe)

        lanes = [feeders.submit(remote_lane) for _ in range(workers)]
        # This process is a lane too: it has its imports done and starts at once, while a
        # worker may still be starting.
        _drain(queue, run, results, describe)
        for lane in lanes:
            lane.result()
    return [results[i] for i in range(len(jobs))]


def _imported(run: Callable[..., object]) -> None:
    """Nothing: receiving `run` imports its module in the worker."""


def _drain(
    queue: deque[tuple[int, Job]],
    run: Callable[[Job], Result],
    results: dict[int, Result],
    describe: Callable[[Job], str],
) -> None:
    while True:
        try:
            index, job = queue.popleft()
        except IndexError:
            return
        try:
            results[index] = run(job)
        except Exception as exc:
            queue.clear()  # the other lanes stop after their current job
            raise RuntimeError(f"{describe(job)} failed: {type(exc).__name__}: {exc}") from exc
