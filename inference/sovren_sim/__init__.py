"""Sovren simulation algorithm (see docs/simulation-algorithm.md), vectorised with numpy."""

from .core import (
    DEFAULT_FACTORS,
    DEFAULT_TRIALS,
    MAX_FACTORS,
    MAX_SCENARIO_CHARS,
    MAX_TRIALS,
    SimulationInputError,
    SimulationRequest,
    bits,
    fnv1a32,
    parse_request,
    simulate,
    simulate_request,
    uniform,
)

__all__ = [
    "DEFAULT_FACTORS",
    "DEFAULT_TRIALS",
    "MAX_FACTORS",
    "MAX_SCENARIO_CHARS",
    "MAX_TRIALS",
    "SimulationInputError",
    "SimulationRequest",
    "bits",
    "fnv1a32",
    "parse_request",
    "simulate",
    "simulate_request",
    "uniform",
]
