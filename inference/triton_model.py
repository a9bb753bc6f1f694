"""Serve the Sovren simulation on NVIDIA Triton Inference Server through PyTriton.

    LD_LIBRARY_PATH=<dir of libpython3.11.so> .venv/inference/bin/python inference/triton_model.py

(scripts/inference/start-triton.sh does this in the background and waits for readiness.)

Model ``sovren_simulation``, no batching (``max_batch_size: 0``): every request is one
simulation and the shapes below are the full tensor shapes. Contract (docs/inference-core.md):

    inputs   SCENARIO        BYTES  [1]   UTF-8, 1..2000 characters          required
             SEED            INT64  [1]   0..4294967295, -1 = absent          optional
             TRIALS          INT32  [1]   1..1000000 (default 10000)          optional
             THRESHOLD       FP64   [1]   (default 0)                         optional
             FACTOR_NAME     BYTES  [-1]  UTF-8                               optional
             FACTOR_WEIGHT   FP64   [-1]                                      optional
             FACTOR_MEAN     FP64   [-1]                                      optional
             FACTOR_STDDEV   FP64   [-1]  >= 0                                optional
    outputs  OUTCOME         BYTES  [1]   favorable | uncertain | unfavorable
             CONFIDENCE      FP64   [1]
             EXPECTED_VALUE  FP64   [1]
             STDDEV          FP64   [1]
             P05             FP64   [1]
             P95             FP64   [1]
             SEED_USED       INT64  [1]
             TRIALS_USED     INT32  [1]

Environment: SOVREN_TRITON_HOST (127.0.0.1), SOVREN_TRITON_HTTP_PORT (8100),
SOVREN_TRITON_GRPC_PORT (8101), SOVREN_TRITON_METRICS_PORT (8102),
SOVREN_TRITON_ACCESS_TOKEN (token for PyTriton's restricted admin endpoints; generated when
unset), SOVREN_TRITON_TOKEN_FILE (where a generated token is written, mode 0600),
SOVREN_TRITON_WORKSPACE (PyTriton workspace directory; temporary when unset).
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sovren_sim import SimulationInputError, simulate_request  # noqa: E402

MODEL_NAME = "sovren_simulation"
MODEL_VERSION = 1
LOGGER = logging.getLogger("sovren.triton")


def _scalar(req: Any, name: str, default: Any = None) -> Any:
    if name not in req:
        return default
    arr = np.asarray(req[name])
    if arr.size != 1:
        raise SimulationInputError(f"{name} must have exactly one element, got shape {list(arr.shape)}")
    return arr.reshape(-1)[0]


def _text(value: Any, name: str) -> str:
    if isinstance(value, (bytes, np.bytes_)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SimulationInputError(f"{name} is not valid UTF-8: {exc}") from None
    return str(value)


def _vector(req: Any, name: str) -> np.ndarray | None:
    if name not in req:
        return None
    return np.asarray(req[name]).reshape(-1)


def request_from_tensors(req: Any) -> dict[str, Any]:
    """Turn one Triton request (a mapping name -> numpy array) into a RunSimulationRequest-like
    dict for :func:`sovren_sim.parse_request`."""
    if "SCENARIO" not in req:
        raise SimulationInputError("SCENARIO is required")
    out: dict[str, Any] = {"scenario": _text(_scalar(req, "SCENARIO"), "SCENARIO")}

    seed = _scalar(req, "SEED")
    if seed is not None and int(seed) != -1:
        out["seed"] = int(seed)  # range checked by parse_request (negative -> error)
    trials = _scalar(req, "TRIALS")
    if trials is not None:
        out["trials"] = int(trials)
    threshold = _scalar(req, "THRESHOLD")
    if threshold is not None:
        out["threshold"] = float(threshold)

    weight = _vector(req, "FACTOR_WEIGHT")
    mean = _vector(req, "FACTOR_MEAN")
    stddev = _vector(req, "FACTOR_STDDEV")
    names = _vector(req, "FACTOR_NAME")
    numeric = {"FACTOR_WEIGHT": weight, "FACTOR_MEAN": mean, "FACTOR_STDDEV": stddev}
    given = {k: v for k, v in numeric.items() if v is not None}
    if given and len(given) != 3:
        missing = sorted(set(numeric) - set(given))
        raise SimulationInputError(
            f"FACTOR_WEIGHT, FACTOR_MEAN and FACTOR_STDDEV go together; missing {', '.join(missing)}"
        )
    if given:
        lengths = {k: len(v) for k, v in given.items()}
        if names is not None:
            lengths["FACTOR_NAME"] = len(names)
        if len(set(lengths.values())) != 1:
            raise SimulationInputError(f"factor tensors must have equal lengths, got {lengths}")
        out["factors"] = [
            {
                "name": _text(names[i], "FACTOR_NAME") if names is not None else "",
                "weight": float(weight[i]),
                "mean": float(mean[i]),
                "stddev": float(stddev[i]),
            }
            for i in range(len(weight))
        ]
    elif names is not None and len(names) > 0:
        raise SimulationInputError("FACTOR_NAME given without FACTOR_WEIGHT/FACTOR_MEAN/FACTOR_STDDEV")
    return out


def result_to_tensors(result: dict[str, Any]) -> dict[str, np.ndarray]:
    return {
        "OUTCOME": np.array([result["outcome"].encode("utf-8")], dtype=np.object_),
        "CONFIDENCE": np.array([result["confidence"]], dtype=np.float64),
        "EXPECTED_VALUE": np.array([result["expectedValue"]], dtype=np.float64),
        "STDDEV": np.array([result["stddev"]], dtype=np.float64),
        "P05": np.array([result["p05"]], dtype=np.float64),
        "P95": np.array([result["p95"]], dtype=np.float64),
        "SEED_USED": np.array([result["seed"]], dtype=np.int64),
        "TRIALS_USED": np.array([result["trials"]], dtype=np.int32),
    }


def infer_func(requests: list[Any]) -> list[dict[str, np.ndarray]]:
    """PyTriton inference callable (no batching: one simulation per request).

    Invalid input raises; PyTriton turns the exception into an error response whose message
    contains ``SimulationInputError: <reason>`` (HTTP 400 on the KServe v2 endpoint).
    """
    responses = []
    for req in requests:
        result = simulate_request(request_from_tensors(req))
        responses.append(result_to_tensors(result))
    return responses


def model_tensors():
    from pytriton.model_config import Tensor

    inputs = [
        Tensor(name="SCENARIO", dtype=np.bytes_, shape=(1,)),
        Tensor(name="SEED", dtype=np.int64, shape=(1,), optional=True),
        Tensor(name="TRIALS", dtype=np.int32, shape=(1,), optional=True),
        Tensor(name="THRESHOLD", dtype=np.float64, shape=(1,), optional=True),
        Tensor(name="FACTOR_NAME", dtype=np.bytes_, shape=(-1,), optional=True),
        Tensor(name="FACTOR_WEIGHT", dtype=np.float64, shape=(-1,), optional=True),
        Tensor(name="FACTOR_MEAN", dtype=np.float64, shape=(-1,), optional=True),
        Tensor(name="FACTOR_STDDEV", dtype=np.float64, shape=(-1,), optional=True),
    ]
    outputs = [
        Tensor(name="OUTCOME", dtype=np.bytes_, shape=(1,)),
        Tensor(name="CONFIDENCE", dtype=np.float64, shape=(1,)),
        Tensor(name="EXPECTED_VALUE", dtype=np.float64, shape=(1,)),
        Tensor(name="STDDEV", dtype=np.float64, shape=(1,)),
        Tensor(name="P05", dtype=np.float64, shape=(1,)),
        Tensor(name="P95", dtype=np.float64, shape=(1,)),
        Tensor(name="SEED_USED", dtype=np.int64, shape=(1,)),
        Tensor(name="TRIALS_USED", dtype=np.int32, shape=(1,)),
    ]
    return inputs, outputs


def _access_token() -> str:
    token = os.environ.get("SOVREN_TRITON_ACCESS_TOKEN")
    if token:
        return token
    token = secrets.token_urlsafe(32)
    token_file = os.environ.get("SOVREN_TRITON_TOKEN_FILE")
    if token_file:
        path = Path(token_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(token + "\n")
    return token


def main() -> None:
    from pytriton.model_config import ModelConfig
    from pytriton.triton import Triton, TritonConfig, TritonSecurityConfig

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # A background process started by a non-interactive shell inherits SIGINT as *ignored*, and
    # PyTriton only stops on KeyboardInterrupt; so make SIGTERM and SIGINT both raise it, letting
    # Triton().serve() stop the tritonserver child and clean its workspace.
    def _interrupt(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    host = os.environ.get("SOVREN_TRITON_HOST", "127.0.0.1")
    config = TritonConfig(
        http_address=host,
        http_port=int(os.environ.get("SOVREN_TRITON_HTTP_PORT", "8100")),
        grpc_address=host,
        grpc_port=int(os.environ.get("SOVREN_TRITON_GRPC_PORT", "8101")),
        metrics_address=host,
        metrics_port=int(os.environ.get("SOVREN_TRITON_METRICS_PORT", "8102")),
        exit_on_error=True,
        log_verbose=0,
    )
    # PyTriton 0.7 restricts the admin endpoint groups (shared-memory, model-repository,
    # statistics, trace, logging) to callers sending the header `triton-access-token`.
    # Health, metadata and inference stay open.
    security = TritonSecurityConfig(access_token=_access_token())
    workspace = os.environ.get("SOVREN_TRITON_WORKSPACE") or None
    inputs, outputs = model_tensors()
    with Triton(config=config, workspace=workspace, security_config=security) as triton:
        triton.bind(
            model_name=MODEL_NAME,
            model_version=MODEL_VERSION,
            infer_func=infer_func,
            inputs=inputs,
            outputs=outputs,
            config=ModelConfig(batching=False),
            strict=True,
        )
        LOGGER.info("model %s bound; HTTP %s:%s gRPC %s:%s metrics %s:%s", MODEL_NAME, host,
                    config.http_port, host, config.grpc_port, host, config.metrics_port)
        triton.serve()


if __name__ == "__main__":
    main()
