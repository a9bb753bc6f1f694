"""The fan-out (sovren_sim.fanout) on a real Ray cluster: the one scripts/inference/start-ray.sh
starts (its GCS port from SOVREN_RAY_GCS_PORT, as the start script reads it).

Every vector, whatever the chunking and the number of tasks in flight, gives the single-process
result to the last bit (so within 1e-9 of the vector); a failing task fails the run with its
error; cancelling stops the running tasks.
"""

import math
import os
import threading
import time

import pytest
from conftest import VECTORS, assert_result_close
from servers import RAY_DASHBOARD, REQUIRE

from sovren_sim import parse_request
from sovren_sim.core import run

ray = pytest.importorskip("ray")
from ray.util.state import list_tasks  # noqa: E402

from sovren_sim.fanout import (  # noqa: E402
    FAIL_CHUNK_ENV,
    TASK_DELAY_ENV,
    ChunkFailedError,
    cancel_all,
    run_fanout,
)

GCS = f"127.0.0.1:{os.environ.get('SOVREN_RAY_GCS_PORT', '6390')}"


@pytest.fixture(scope="module")
def cluster():
    try:
        ray.init(address=GCS, logging_level="warning", log_to_driver=False)
    except Exception as exc:  # noqa: BLE001 - not reachable: skip or fail as servers.py does
        msg = f"no Ray cluster at {GCS} (start it with scripts/inference/start-ray.sh): {exc}"
        if REQUIRE:
            pytest.fail(msg)
        pytest.skip(msg)
    yield ray.get_runtime_context().get_job_id()
    ray.shutdown()


def chunkings(trials):
    """One chunk, two uneven ones, about seven, and small chunks (at most ~40 tasks)."""
    sizes = {trials, math.ceil(trials * 0.6), math.ceil(trials / 7), max(1, math.ceil(trials / 40))}
    return sorted(sizes)


@pytest.mark.parametrize("vec", VECTORS, ids=[v["name"] for v in VECTORS])
def test_fanout_equals_single_process(cluster, vec):
    req = parse_request(vec["input"])
    single = run(req)
    assert_result_close(single, vec["expected"])
    for chunk in chunkings(req.trials):
        for in_flight in (1, 3, None):
            got = run_fanout(req, chunk_size=chunk, max_in_flight=in_flight)
            assert got == single, f"chunk {chunk}, in flight {in_flight}"
            assert_result_close(got, vec["expected"])


def test_progress_counts_completed_chunks(cluster):
    req = parse_request({"scenario": "progress", "seed": 3, "trials": 100_000})
    seen = []
    got = run_fanout(req, chunk_size=7_000, progress=lambda d, n: seen.append((d, n)))
    assert got == run(req)
    assert len(seen) == math.ceil(100_000 / 7_000)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert seen[-1] == (100_000, 100_000) and all(n == 100_000 for _, n in seen)


def test_a_failing_task_fails_the_run_with_its_error(cluster, monkeypatch):
    monkeypatch.setenv(FAIL_CHUNK_ENV, "2")
    req = parse_request({"scenario": "failing chunk", "seed": 9, "trials": 50_000})
    with pytest.raises(ChunkFailedError) as err:
        run_fanout(req, chunk_size=10_000)
    msg = str(err.value)
    assert "trials 20000..29999" in msg
    assert "InjectedFailure: injected failure in the task for trials 20000..29999" in msg


def chunk_tasks(job_id, state):
    tasks = list_tasks(
        # This cluster's dashboard, by address: "auto" could find another head on the machine.
        address=RAY_DASHBOARD,
        filters=[("job_id", "=", job_id), ("name", "=", "chunk_task"), ("state", "=", state)],
        limit=1000,
        raise_on_missing_output=False,
    )
    return tasks


def eventually(check, timeout=60.0, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        v = check()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.3)


def test_cancel_stops_the_running_tasks(cluster, monkeypatch):
    job_id = cluster
    # Every task sleeps 60 s first, so they are surely running when we cancel.
    monkeypatch.setenv(TASK_DELAY_ENV, "60")
    req = parse_request({"scenario": "cancel me", "seed": 5, "trials": 40_000})
    outcome = {}

    def drive():
        try:
            outcome["result"] = run_fanout(req, chunk_size=10_000)
        except BaseException as exc:  # noqa: BLE001 - inspected below
            outcome["error"] = exc

    t = threading.Thread(target=drive, daemon=True)
    started = time.monotonic()
    t.start()
    try:
        eventually(lambda: chunk_tasks(job_id, "RUNNING"), what="a running chunk task")
    finally:
        n = cancel_all()  # also when the wait failed: the sleeping tasks would hold the CPUs
    assert n >= 1
    t.join(timeout=60)
    assert not t.is_alive(), "the run did not end after cancel_all()"
    assert "result" not in outcome
    assert isinstance(outcome["error"], ChunkFailedError), outcome
    assert "Cancelled" in str(outcome["error"]) or "cancel" in str(outcome["error"]).lower()
    # Well before the tasks' 60 s sleep would have ended: they were stopped, not waited for.
    assert time.monotonic() - started < 50
    eventually(lambda: not chunk_tasks(job_id, "RUNNING"), what="no running chunk task")
