"""A simulation's trials fanned out as Ray tasks across the cluster.

The counter-based generator makes every chunk of trials independent of every other
(``docs/simulation-algorithm.md``): a task computes the scores of trials ``t0..t1-1`` from the
stream key and the factors alone. The driver (the Ray job's entrypoint) submits the chunks,
gathers them as they finish (``ray.wait``), reports progress from the completed chunks, writes
each chunk's scores into its slice of one array in trial order and computes the statistics with
the very code a single process uses (:func:`sovren_sim.core.summarize`), so the result is the
single-process result to the last bit, whatever the chunking, the order of completion and the
number of workers.

Failures: the first task that raises (or whose worker dies after Ray's retries) fails the run
with :class:`ChunkFailedError` naming its trials and the task's own error; the other tasks are
cancelled. Cancelling: :func:`cancel_all` (the job's SIGTERM handler) cancels every task still
pending or running (``force=True`` kills its worker), so a stopped job leaves nothing running.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any, Callable

import numpy as np
import ray

from .core import (
    ProgressCallback,
    SimulationRequest,
    chunk_bounds,
    resolve,
    scores_chunk,
    summarize,
)

# Test hooks (docs/inference-core.md), read from the driver's environment and handed to the
# tasks: SOVREN_FANOUT_FAIL_CHUNK=<index> makes that chunk's task raise (a failing task must
# fail the job); SOVREN_FANOUT_TASK_DELAY_S=<seconds> makes every task sleep first (so a test
# can stop a job while its tasks are surely running).
FAIL_CHUNK_ENV = "SOVREN_FANOUT_FAIL_CHUNK"
TASK_DELAY_ENV = "SOVREN_FANOUT_TASK_DELAY_S"


class ChunkFailedError(RuntimeError):
    """A chunk's task failed; the message names its trials and the task's error."""


class InjectedFailure(RuntimeError):
    """The failure :data:`FAIL_CHUNK_ENV` asks for."""


# One CPU per task: a chunk is pure numpy on one core. Ray retries a task whose worker or node
# died (max_retries), but not an exception raised by the code itself (a deterministic bug or
# bad input would fail again).
@ray.remote(num_cpus=1, max_retries=3, retry_exceptions=False)
def chunk_task(
    key: int, t0: int, t1: int, factors: tuple, fail: bool = False, delay_s: float = 0.0
) -> np.ndarray:
    if delay_s > 0:
        time.sleep(delay_s)
    if fail:
        raise InjectedFailure(f"injected failure in the task for trials {t0}..{t1 - 1}")
    return scores_chunk(key, t0, t1, factors)


_lock = threading.RLock()  # re-entrant: the SIGTERM handler may interrupt a holder
_in_flight: set[ray.ObjectRef] = set()


def cancel_all() -> int:
    """Cancels every task this process still has pending or running; returns how many."""
    with _lock:
        refs = list(_in_flight)
    return _cancel(refs)


def _cancel(refs: list) -> int:
    with _lock:
        _in_flight.difference_update(refs)
    for ref in refs:
        try:
            ray.cancel(ref, force=True)
        except Exception:  # noqa: BLE001 - already finished or already gone
            pass
    return len(refs)


def _fail_chunk_index() -> int | None:
    raw = os.environ.get(FAIL_CHUNK_ENV)
    return int(raw) if raw not in (None, "") else None


def _task_delay() -> float:
    raw = os.environ.get(TASK_DELAY_ENV)
    return float(raw) if raw not in (None, "") else 0.0


def _task_error(exc: BaseException) -> str:
    cause = getattr(exc, "cause", None)  # RayTaskError keeps the task's own exception
    if isinstance(cause, BaseException):
        return f"{type(cause).__name__}: {cause}"
    first = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {first[0] if first else ''}"


def run_fanout(
    req: SimulationRequest,
    *,
    chunk_size: int,
    progress: ProgressCallback | None = None,
    max_in_flight: int | None = None,
    on_chunk: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Runs ``req`` as one Ray task per chunk of ``chunk_size`` trials on the connected cluster
    (call ``ray.init`` first). ``progress(done, total)`` is called after every completed chunk
    (completion order, so ``done`` grows but the chunks need not be contiguous).
    ``max_in_flight`` bounds the tasks submitted at once (default: all), which bounds the
    object-store memory held by finished chunks not yet copied."""
    seed, key, factors = resolve(req)
    n = req.trials
    bounds = chunk_bounds(n, chunk_size)
    fail_at = _fail_chunk_index()
    delay_s = _task_delay()
    limit = len(bounds) if max_in_flight is None else max(1, max_in_flight)
    factor_ref = ray.put(factors)  # shipped once, not once per task

    scores = np.empty(n, dtype=np.float64)
    pending: dict[ray.ObjectRef, tuple[int, int]] = {}
    next_chunk = 0
    done = 0

    def submit() -> None:
        nonlocal next_chunk
        t0, t1 = bounds[next_chunk]
        ref = chunk_task.remote(key, t0, t1, factor_ref, next_chunk == fail_at, delay_s)
        next_chunk += 1
        pending[ref] = (t0, t1)
        with _lock:
            _in_flight.add(ref)

    try:
        while next_chunk < len(bounds) and len(pending) < limit:
            submit()
        while pending:
            # A timeout, so that the driver's Python signal handlers (SIGTERM: cancel) get to run.
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=0.5)
            if not ready:
                continue
            ref = ready[0]
            t0, t1 = pending.pop(ref)
            with _lock:
                _in_flight.discard(ref)
            try:
                scores[t0:t1] = ray.get(ref)
            except Exception as exc:  # noqa: BLE001 - reported with the chunk it belongs to
                raise ChunkFailedError(
                    f"the task for trials {t0}..{t1 - 1} failed: {_task_error(exc)}"
                ) from exc
            del ref
            done += t1 - t0
            if on_chunk is not None:
                on_chunk(t0, t1)
            if progress is not None:
                progress(done, n)
            if next_chunk < len(bounds):
                submit()
    finally:
        if pending:
            _cancel(list(pending))
    return summarize(scores, req.threshold, seed)
