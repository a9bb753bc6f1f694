"""Regenerate inference/vectors.json from the numpy implementation.

    .venv/inference/bin/python inference/make_vectors.py

The tests (inference/tests/test_algorithm.py) re-check every vector against a naive pure-Python
implementation, so a regenerated file is still verified independently.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from sovren_sim import simulate_request  # noqa: E402
from sovren_sim.core import bits, stream_key, uniform, fnv1a32  # noqa: E402

CASES = [
    {
        "name": "default-factors",
        "note": "factors empty -> one factor {baseline, 1, 0, 1}; outcome uncertain",
        "input": {"scenario": "Expand into the EU market", "seed": 42, "trials": 10000,
                  "threshold": 0, "factors": []},
    },
    {
        "name": "several-factors",
        "note": "three factors summed in order, negative weight, non-zero threshold",
        "input": {"scenario": "Acquire a competitor", "seed": 7, "trials": 5000, "threshold": 0.5,
                  "factors": [
                      {"name": "market", "weight": 0.6, "mean": 1.2, "stddev": 0.8},
                      {"name": "execution", "weight": 0.3, "mean": 0.4, "stddev": 1.5},
                      {"name": "regulation", "weight": -0.25, "mean": 0.9, "stddev": 2.0},
                  ]},
    },
    {
        "name": "seed-absent-ascii",
        "note": "no seed -> seed = fnv1a32(utf8(scenario))",
        "input": {"scenario": "Launch product line B", "trials": 2000, "threshold": 0,
                  "factors": []},
    },
    {
        "name": "seed-absent-non-ascii",
        "note": "no seed; scenario has 2-, 3- and 4-byte UTF-8 characters (an emoji is a UTF-16 "
                "surrogate pair in JavaScript: hash the UTF-8 bytes, not the code units)",
        "input": {"scenario": "Übernahme von Café Zürich — 東京 expansion 🚀", "trials": 1000,
                  "threshold": -0.1,
                  "factors": [
                      {"name": "demand", "weight": 1.0, "mean": 0.2, "stddev": 1.0},
                      {"name": "fx", "weight": 0.5, "mean": -0.1, "stddev": 0.3},
                  ]},
    },
    {
        "name": "single-trial",
        "note": "trials = 1: p05 = p95 = expectedValue, stddev = 0",
        "input": {"scenario": "One-off decision", "seed": 123, "trials": 1, "threshold": 0,
                  "factors": [{"name": "gut", "weight": 2.0, "mean": 0.5, "stddev": 1.0}]},
    },
    {
        "name": "big-threshold",
        "note": "no score exceeds the threshold -> confidence 0, unfavorable",
        "input": {"scenario": "Moonshot", "seed": 99, "trials": 3000, "threshold": 1000000,
                  "factors": []},
    },
    {
        "name": "zero-stddev",
        "note": "every stddev is 0 -> every score is 2*0.25 + 1*0.5 = 1.0 exactly, so "
                "expectedValue = p05 = p95 = 1 and stddev = 0 (compute the population stddev "
                "in two passes; sqrt(E[x^2]-E[x]^2) can go NaN on other data); threshold "
                "below -> favorable",
        "input": {"scenario": "Locked-in contract", "seed": 5, "trials": 100, "threshold": 0.75,
                  "factors": [
                      {"name": "fixed", "weight": 2.0, "mean": 0.25, "stddev": 0},
                      {"name": "fee", "weight": 1.0, "mean": 0.5, "stddev": 0},
                  ]},
    },
    {
        "name": "max-seed-32-factors",
        "note": "seed 4294967295 (key arithmetic wraps), the maximum of 32 factors",
        "input": {"scenario": "Reorganise every division", "seed": 4294967295, "trials": 1500,
                  "threshold": 1.0,
                  "factors": [
                      {"name": f"f{i:02d}", "weight": round(0.1 + 0.05 * (i % 7), 2),
                       "mean": round(0.1 * ((i % 5) - 2), 2), "stddev": round(0.5 + 0.25 * (i % 3), 2)}
                      for i in range(32)
                  ]},
    },
]


def main() -> None:
    out = []
    for case in CASES:
        inp = case["input"]
        expected = simulate_request(inp)
        seed = expected["seed"]
        key = stream_key(seed)
        out.append({
            "name": case["name"],
            "note": case["note"],
            "input": inp,
            "expected": expected,
            "rng": {
                "seed": seed,
                "key": key,
                "bits": [int(b) for b in bits(key, [0, 1, 2, 3])],
                "uniform": [float(u) for u in uniform(key, [0, 1, 2, 3])],
            },
        })
        if "seed" not in inp:
            assert seed == fnv1a32(inp["scenario"])
    path = HERE / "vectors.json"
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(out)} vectors to {path}")


if __name__ == "__main__":
    main()
