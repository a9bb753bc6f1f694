"""Ray Jobs entry point for batch Sovren simulations.

Submit through the Ray Jobs REST API (dashboard port, 8265 here):

    POST /api/jobs/
    {"entrypoint": "python -m ray_job",
     "runtime_env": {"env_vars": {"SOVREN_JOB_INPUT": "{\"scenario\": \"...\", \"trials\": 500000}"}},
     "metadata": {"operationId": "..."}}

Input (one JSON object, RunSimulationRequest-like: {scenario, seed?, trials?, threshold?,
factors?}) comes from the environment variable SOVREN_JOB_INPUT, or else from the first
command-line argument. Optional "chunkSize" (trials per chunk) in the same object.

The trials are split into chunks run as Ray tasks across the cluster (sovren_sim.fanout),
gathered as they finish; the result equals the single-process one to the last bit. A job of
one chunk (at most 10,000 trials by default) runs in the driver: fanning out one task would
only add the cost of connecting to the cluster and starting a worker.
SIGTERM (POST /api/jobs/{id}/stop) cancels every task still running and exits 143.

Output protocol, one line each on stdout (read them with GET /api/jobs/{id}/logs):

    SOVREN_PROGRESS <fraction>       after every completed chunk, fraction of trials done in (0, 1]
    SOVREN_RESULT <json>             exactly once, last, on success: {outcome, confidence,
                                     expectedValue, stddev, p05, p95, trials, seed}
    SOVREN_ERROR <message>           on failure (also on stderr); the process exits with 2 for
                                     invalid input and 1 for anything else, so the job ends
                                     FAILED and Ray's job message carries this line.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sovren_sim import SimulationInputError, parse_request  # noqa: E402
from sovren_sim.core import run  # noqa: E402

ENV_INPUT = "SOVREN_JOB_INPUT"
EXIT_INVALID_INPUT = 2
EXIT_INTERNAL = 1


def _fail(message: str, code: int) -> int:
    line = f"SOVREN_ERROR {message}"
    print(line, flush=True)
    print(line, file=sys.stderr, flush=True)
    return code


def read_input(argv: list[str]) -> dict:
    raw = os.environ.get(ENV_INPUT)
    source = f"${ENV_INPUT}"
    if not raw:
        if len(argv) < 2:
            raise SimulationInputError(
                f"no input: set {ENV_INPUT} to a JSON object or pass it as the first argument"
            )
        raw, source = argv[1], "argv[1]"
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SimulationInputError(f"{source} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise SimulationInputError(f"{source} must be a JSON object")
    return data


def chunk_size_for(data: dict, trials: int, cpus: int = 1) -> int:
    chunk = data.get("chunkSize")
    if chunk is None:
        # at least 20 chunks (progress lines) and 4 per CPU of the cluster (so that a slow
        # worker does not hold the whole job up), but at least 10,000 trials per task
        return max(10_000, math.ceil(trials / max(20, 4 * cpus)))
    if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
        raise SimulationInputError(f"chunkSize must be a positive integer, got {chunk!r}")
    return chunk


def _on_sigterm(signum, frame):  # noqa: ARG001 - signal handler signature
    # The Jobs API's stop sends SIGTERM (then SIGKILL after a few seconds): cancel the tasks
    # first, so that no worker goes on computing for a job nobody waits for.
    from sovren_sim.fanout import cancel_all

    n = cancel_all()
    print(f"sovren: stopped; cancelled {n} running task(s)", file=sys.stderr, flush=True)
    os._exit(128 + signum)


def main(argv: list[str]) -> int:
    try:
        data = read_input(argv)
        req = parse_request(data)
        chunk_size_for(data, req.trials)  # a bad chunkSize is bad input, before any Ray call
    except SimulationInputError as exc:
        return _fail(f"invalid input: {exc}", EXIT_INVALID_INPUT)

    def progress(done: int, total: int) -> None:
        print(f"SOVREN_PROGRESS {done / total:.6f}", flush=True)

    started = time.monotonic()
    if chunk_size_for(data, req.trials) >= req.trials:
        # One chunk: nothing to fan out, and connecting to the cluster and starting a worker
        # would cost seconds. The driver runs it (the same code as a task).
        try:
            result = run(req, chunk_size=req.trials, progress=progress)
        except SimulationInputError as exc:
            return _fail(f"invalid input: {exc}", EXIT_INVALID_INPUT)
        except Exception as exc:  # noqa: BLE001 - the message must reach the job's logs
            return _fail(f"internal error: {type(exc).__name__}: {exc}", EXIT_INTERNAL)
        print(f"sovren: {req.trials} trials in the driver (one chunk) in "
              f"{time.monotonic() - started:.3f}s", file=sys.stderr)
        print("SOVREN_RESULT " + json.dumps(result, separators=(",", ":"), allow_nan=False), flush=True)
        return 0
    # Imported here: `import ray` alone costs a second, which a one-chunk job does not pay.
    import ray

    from sovren_sim.fanout import ChunkFailedError, run_fanout

    try:
        # Inside a Ray job RAY_ADDRESS names the cluster; by hand it starts a local one.
        ray.init(logging_level="warning", log_to_driver=False)
        # After ray.init, which installs a failure-signal handler of its own for SIGTERM.
        signal.signal(signal.SIGTERM, _on_sigterm)
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        chunk = chunk_size_for(data, req.trials, cpus)
        result = run_fanout(req, chunk_size=chunk, progress=progress)
    except SimulationInputError as exc:
        return _fail(f"invalid input: {exc}", EXIT_INVALID_INPUT)
    except ChunkFailedError as exc:
        return _fail(f"internal error: {exc}", EXIT_INTERNAL)
    except Exception as exc:  # noqa: BLE001 - the message must reach the job's logs
        return _fail(f"internal error: {type(exc).__name__}: {exc}", EXIT_INTERNAL)
    print(f"sovren: {req.trials} trials in {len(range(0, req.trials, chunk))} tasks on "
          f"{cpus} CPU(s) in {time.monotonic() - started:.3f}s", file=sys.stderr)
    print("SOVREN_RESULT " + json.dumps(result, separators=(",", ":"), allow_nan=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
