"""The shared Sovren simulation algorithm, vectorised with numpy.

This follows docs/simulation-algorithm.md exactly:

* counter-based random numbers (murmur3 ``fmix32`` over uint32, wrap-around arithmetic),
* Box-Muller normals from two counters per (trial, factor),
* ``score(t) = sum_f weight_f * (mean_f + stddev_f * z(t, f))`` summed in factor order,
* mean, population standard deviation, nearest-rank percentiles and the share of scores above
  the threshold.

All uint32 arithmetic is done on numpy ``uint32`` *arrays* (never numpy scalars, which warn on
overflow) inside ``np.errstate(over="ignore")``, so multiplication wraps modulo 2**32 exactly
like ``Math.imul`` in JavaScript.

Trials are processed in chunks, in trial order; every chunk's scores are written into one
preallocated array, so the chunk size never changes the result (not even by rounding).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

MASK32 = 0xFFFFFFFF
GOLDEN = 0x9E3779B9
FNV_OFFSET = 0x811C9DC5
FNV_PRIME = 0x01000193
TWO_POW_32 = 4294967296.0

DEFAULT_TRIALS = 10_000
MAX_TRIALS = 1_000_000
MAX_FACTORS = 32
MAX_SCENARIO_CHARS = 2000
# The contract's input bounds (RunSimulationRequest / SimulationFactor in
# openapi/sovren.v1.yaml and proto/sovren/v1/simulations.proto); with at most
# MAX_TRIALS trials and MAX_FACTORS factors no statistic can overflow
# (docs/simulation-algorithm.md, "Bounds").
MAX_ABS_WEIGHT = 1e6
MAX_ABS_MEAN = 1e6
MAX_STDDEV = 1e6
MAX_ABS_THRESHOLD = 1e15
DEFAULT_CHUNK = 65_536
DEFAULT_FACTORS: tuple[dict[str, Any], ...] = (
    {"name": "baseline", "weight": 1.0, "mean": 0.0, "stddev": 1.0},
)

ProgressCallback = Callable[[int, int], None]
"""``progress(done_trials, total_trials)``, called after every chunk (the last call has
``done_trials == total_trials``)."""


class SimulationInputError(ValueError):
    """The request is invalid; the message says which field and why."""


@dataclass(frozen=True)
class Factor:
    name: str
    weight: float
    mean: float
    stddev: float

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "weight": self.weight, "mean": self.mean, "stddev": self.stddev}


@dataclass(frozen=True)
class SimulationRequest:
    scenario: str
    seed: int | None = None
    trials: int = DEFAULT_TRIALS
    threshold: float = 0.0
    factors: tuple[Factor, ...] = field(default_factory=tuple)


# --------------------------------------------------------------------------- random numbers


def fnv1a32(data: bytes | str) -> int:
    """FNV-1a 32-bit hash of the bytes (a str is hashed as UTF-8)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    h = FNV_OFFSET
    for b in data:
        h = ((h ^ b) * FNV_PRIME) & MASK32
    return h


def _fmix32_int(h: int) -> int:
    h &= MASK32
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & MASK32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & MASK32
    h ^= h >> 16
    return h


def _fmix32(h: np.ndarray) -> np.ndarray:
    """murmur3 finaliser on a uint32 array (returns a new uint32 array)."""
    assert h.dtype == np.uint32
    with np.errstate(over="ignore"):
        h = h ^ (h >> np.uint32(16))
        h *= np.uint32(0x85EBCA6B)
        h ^= h >> np.uint32(13)
        h *= np.uint32(0xC2B2AE35)
        h ^= h >> np.uint32(16)
    return h


def stream_key(seed: int) -> int:
    """``key = fmix32(seed ^ 0x9E3779B9)``."""
    return _fmix32_int((seed & MASK32) ^ GOLDEN)


def bits(key: int, counters: np.ndarray | Sequence[int]) -> np.ndarray:
    """``bits(c) = fmix32(key + c * 0x9E3779B9)`` for a uint32 array of counters."""
    c = np.asarray(counters, dtype=np.uint32)
    with np.errstate(over="ignore"):
        h = c * np.uint32(GOLDEN)
        h += np.uint32(key)
    return _fmix32(h)


def uniform(key: int, counters: np.ndarray | Sequence[int]) -> np.ndarray:
    """``uniform(c) = (bits(c) + 0.5) / 2**32``: doubles in the open interval (0, 1)."""
    return (bits(key, counters).astype(np.float64) + 0.5) / TWO_POW_32


# --------------------------------------------------------------------------- input handling


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _finite_number(v: Any, what: str) -> float:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise SimulationInputError(f"{what} must be a number, got {type(v).__name__}")
    f = float(v)
    if not math.isfinite(f):
        raise SimulationInputError(f"{what} must be finite, got {f}")
    return f


def _bounded(v: Any, lo: float, hi: float, what: str) -> float:
    f = _finite_number(v, what)
    if not lo <= f <= hi:
        raise SimulationInputError(f"{what} must be in {lo:g}..{hi:g}, got {f}")
    return f


def _parse_factor(raw: Any, i: int) -> Factor:
    if isinstance(raw, Factor):
        raw = raw.as_dict()
    if not isinstance(raw, Mapping):
        raise SimulationInputError(f"factors[{i}] must be an object")
    name = raw.get("name", "")
    if name is None:
        name = ""
    if not isinstance(name, str):
        raise SimulationInputError(f"factors[{i}].name must be a string")
    # proto3 JSON omits zero values, so an absent number means 0 (as in RunSimulationRequest).
    weight = _bounded(raw.get("weight", 0.0), -MAX_ABS_WEIGHT, MAX_ABS_WEIGHT, f"factors[{i}].weight")
    mean = _bounded(raw.get("mean", 0.0), -MAX_ABS_MEAN, MAX_ABS_MEAN, f"factors[{i}].mean")
    stddev = _finite_number(raw.get("stddev", 0.0), f"factors[{i}].stddev")
    if stddev < 0:
        raise SimulationInputError(f"factors[{i}].stddev must be >= 0, got {stddev}")
    _bounded(stddev, 0.0, MAX_STDDEV, f"factors[{i}].stddev")
    return Factor(name=name, weight=weight, mean=mean, stddev=stddev)


def parse_request(raw: Mapping[str, Any]) -> SimulationRequest:
    """Validate a RunSimulationRequest-like mapping ``{scenario, seed?, trials?, threshold?,
    factors?}``. Unknown keys (``userId`` ...) are ignored. ``None`` means absent.

    Raises :class:`SimulationInputError` with a message naming the field.
    """
    if not isinstance(raw, Mapping):
        raise SimulationInputError("request must be a JSON object")

    scenario = raw.get("scenario")
    if not isinstance(scenario, str):
        raise SimulationInputError("scenario is required and must be a string")
    if not 1 <= len(scenario) <= MAX_SCENARIO_CHARS:
        raise SimulationInputError(
            f"scenario must have 1..{MAX_SCENARIO_CHARS} characters, got {len(scenario)}"
        )

    seed = raw.get("seed")
    if seed is not None:
        if isinstance(seed, str) and seed.strip().isdigit():  # proto JSON may quote integers
            seed = int(seed.strip())
        if not _is_int(seed) or not 0 <= int(seed) <= MASK32:
            raise SimulationInputError(f"seed must be an integer in 0..{MASK32}, got {seed!r}")
        seed = int(seed)

    trials = raw.get("trials")
    if trials is None:
        trials = DEFAULT_TRIALS
    if isinstance(trials, str) and trials.strip().isdigit():
        trials = int(trials.strip())
    if not _is_int(trials) or not 1 <= int(trials) <= MAX_TRIALS:
        raise SimulationInputError(f"trials must be an integer in 1..{MAX_TRIALS}, got {trials!r}")
    trials = int(trials)

    threshold = raw.get("threshold")
    threshold = (
        0.0
        if threshold is None
        else _bounded(threshold, -MAX_ABS_THRESHOLD, MAX_ABS_THRESHOLD, "threshold")
    )

    factors_raw = raw.get("factors")
    if factors_raw is None:
        factors_raw = []
    if isinstance(factors_raw, (str, bytes, Mapping)) or not isinstance(factors_raw, Iterable):
        raise SimulationInputError("factors must be a list")
    factors_list = list(factors_raw)
    if len(factors_list) > MAX_FACTORS:
        raise SimulationInputError(
            f"factors may have at most {MAX_FACTORS} items, got {len(factors_list)}"
        )
    factors = tuple(_parse_factor(f, i) for i, f in enumerate(factors_list))
    return SimulationRequest(scenario, seed, trials, threshold, factors)


# --------------------------------------------------------------------------- the simulation


def outcome_for(confidence: float) -> str:
    if confidence >= 0.6:
        return "favorable"
    if confidence <= 0.4:
        return "unfavorable"
    return "uncertain"


def _scores_chunk(key: int, t0: int, t1: int, factors: Sequence[Factor]) -> np.ndarray:
    """Scores of trials t0..t1-1 (vectorised over trials, factors summed in order)."""
    nf = len(factors)
    t = np.arange(t0, t1, dtype=np.uint64)
    scores = np.zeros(t1 - t0, dtype=np.float64)
    two_pi = 2.0 * math.pi
    for f, fac in enumerate(factors):
        # c1 = (t * F + f) * 2 as uint32 (the product fits in 64 bits; the cast wraps mod 2**32)
        c1 = ((t * np.uint64(nf) + np.uint64(f)) * np.uint64(2)).astype(np.uint32)
        with np.errstate(over="ignore"):
            c2 = c1 + np.uint32(1)
        u1 = uniform(key, c1)
        u2 = uniform(key, c2)
        z = np.sqrt(-2.0 * np.log(u1)) * np.cos(two_pi * u2)
        scores += fac.weight * (fac.mean + fac.stddev * z)
    return scores


def resolve(req: SimulationRequest) -> tuple[int, int, tuple[Factor, ...]]:
    """``(seed, key, factors)`` of a validated request: the seed actually used (the request's,
    else ``fnv1a32(utf8(scenario))``), its stream key, and the factors (the default factor when
    none are given)."""
    seed = fnv1a32(req.scenario) if req.seed is None else req.seed
    factors = req.factors or tuple(_parse_factor(f, i) for i, f in enumerate(DEFAULT_FACTORS))
    return seed, stream_key(seed), factors


def chunk_bounds(trials: int, chunk_size: int) -> list[tuple[int, int]]:
    """``[(t0, t1), ...]``: consecutive half-open trial ranges of at most ``chunk_size``."""
    if chunk_size < 1:
        raise ValueError("chunk_size must be >= 1")
    return [(t0, min(trials, t0 + chunk_size)) for t0 in range(0, trials, chunk_size)]


def scores_chunk(key: int, t0: int, t1: int, factors: Sequence[Factor]) -> np.ndarray:
    """Scores of trials ``t0..t1-1``; depends on nothing else, so chunks can run anywhere."""
    return _scores_chunk(key, t0, t1, factors)


def summarize(scores: np.ndarray, threshold: float, seed: int) -> dict[str, Any]:
    """The result from every trial's score, in trial order. Every backend, in one process or
    fanned out, ends here with the same array, so they agree to the last bit."""
    n = int(scores.shape[0])
    mean = float(np.mean(scores))
    stddev = float(np.sqrt(np.mean(np.square(scores - mean))))  # population, two-pass
    # np.partition finds the same order statistics as a full sort (values, not positions, are
    # returned), in linear time: the serial part of a fanned-out run stays small.
    lo, hi = math.floor(0.05 * (n - 1)), math.floor(0.95 * (n - 1))
    ordered = np.partition(scores, (lo, hi))
    p05 = float(ordered[lo])
    p95 = float(ordered[hi])
    above = int(np.count_nonzero(scores > threshold))
    confidence = above / n
    for name, v in (("expectedValue", mean), ("stddev", stddev), ("p05", p05), ("p95", p95)):
        if not math.isfinite(v):
            raise SimulationInputError(f"{name} is not finite ({v}); factor values are too large")
    return {
        "outcome": outcome_for(confidence),
        "confidence": confidence,
        "expectedValue": mean,
        "stddev": stddev,
        "p05": p05,
        "p95": p95,
        "trials": n,
        "seed": seed,
    }


def run(
    req: SimulationRequest,
    *,
    chunk_size: int = DEFAULT_CHUNK,
    progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Run a validated request in this process. Returns ``{outcome, confidence, expectedValue,
    stddev, p05, p95, trials, seed}`` (``seed`` is the seed actually used)."""
    seed, key, factors = resolve(req)
    n = req.trials
    scores = np.empty(n, dtype=np.float64)
    for t0, t1 in chunk_bounds(n, chunk_size):
        scores[t0:t1] = _scores_chunk(key, t0, t1, factors)
        if progress is not None:
            progress(t1, n)
    return summarize(scores, req.threshold, seed)


def simulate(
    scenario: str,
    seed: int | None = None,
    trials: int = DEFAULT_TRIALS,
    threshold: float = 0.0,
    factors: Sequence[Mapping[str, Any]] | None = None,
    *,
    chunk_size: int = DEFAULT_CHUNK,
    progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Validate the inputs and run the simulation (see :func:`run`)."""
    req = parse_request(
        {
            "scenario": scenario,
            "seed": seed,
            "trials": trials,
            "threshold": threshold,
            "factors": list(factors or []),
        }
    )
    return run(req, chunk_size=chunk_size, progress=progress)


def simulate_request(
    raw: Mapping[str, Any],
    *,
    chunk_size: int = DEFAULT_CHUNK,
    progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Validate a RunSimulationRequest-like mapping and run it."""
    return run(parse_request(raw), chunk_size=chunk_size, progress=progress)
