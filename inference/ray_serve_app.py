"""Ray Serve deployment for online Sovren simulations.

Deployed by scripts/inference/start-ray.sh as application ``sovren`` with route prefix
``/simulate`` on the Serve HTTP proxy (port 8200 here, not Serve's default 8000):

    POST /simulate   body {scenario, seed?, trials?, threshold?, factors?}  (RunSimulationRequest
                     JSON; unknown keys such as userId are ignored; null means absent)
        200 -> {outcome, confidence, expectedValue, stddev, p05, p95, trials, seed}
        400 -> {"error": {"code": "INVALID_ARGUMENT", "message": "..."}}
    GET  /simulate   -> {"status": "ok", "algorithm": "sovren-simulation-v1"}  (a cheap probe)

Import path for ``serve deploy``/``serve run``: ``ray_serve_app:app`` with ``inference/`` on
PYTHONPATH (or as the runtime_env working_dir).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from ray import serve
from starlette.requests import Request
from starlette.responses import JSONResponse

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sovren_sim import SimulationInputError, simulate_request  # noqa: E402

ALGORITHM = "sovren-simulation-v1"


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


async def _read_json(request: Request):
    raw = await request.body()
    try:
        return json.loads(raw.decode("utf-8") or "null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SimulationInputError(f"body is not valid JSON: {exc}") from None


@serve.deployment(
    name="SovrenSimulation",
    num_replicas=int(os.environ.get("SOVREN_SERVE_REPLICAS", "1")),
    ray_actor_options={"num_cpus": float(os.environ.get("SOVREN_SERVE_REPLICA_CPUS", "1"))},
    max_ongoing_requests=8,
)
class SovrenSimulation:
    async def __call__(self, request: Request) -> JSONResponse:
        if request.method == "GET":
            return JSONResponse({"status": "ok", "algorithm": ALGORITHM})
        if request.method != "POST":
            return _error(405, "METHOD_NOT_ALLOWED", "use POST with a JSON body")
        try:
            body = await _read_json(request)
            # CPU-bound numpy work: run it in a thread so the replica keeps answering probes.
            result = await asyncio.get_running_loop().run_in_executor(None, simulate_request, body)
        except SimulationInputError as exc:
            return _error(400, "INVALID_ARGUMENT", str(exc))
        return JSONResponse(result)


app = SovrenSimulation.bind()
