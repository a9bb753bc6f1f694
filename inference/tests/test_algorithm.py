"""The numpy implementation, the naive reference and inference/vectors.json must all agree."""

import math
import warnings

import numpy as np
import pytest
from conftest import VECTORS, assert_result_close
from naive_reference import fmix32 as naive_fmix32
from naive_reference import fnv1a32 as naive_fnv1a32
from naive_reference import naive_simulate

from sovren_sim import SimulationInputError, bits, fnv1a32, simulate, simulate_request
from sovren_sim.core import stream_key


def _naive(inp):
    return naive_simulate(inp["scenario"], inp.get("seed"), inp.get("trials", 10000),
                          inp.get("threshold", 0.0), inp.get("factors") or [])


def test_vectors_file_shape():
    assert 8 <= len(VECTORS)
    names = [v["name"] for v in VECTORS]
    assert len(set(names)) == len(names)
    for v in VECTORS:
        assert set(v) >= {"name", "input", "expected"}
        assert set(v["expected"]) == {"outcome", "confidence", "expectedValue", "stddev", "p05",
                                      "p95", "trials", "seed"}
    assert any("seed" not in v["input"] for v in VECTORS)
    assert any(not v["input"]["scenario"].isascii() for v in VECTORS)
    assert {v["expected"]["outcome"] for v in VECTORS} == {"favorable", "unfavorable", "uncertain"}


def test_numpy_matches_vector(vector):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy overflow warnings
        assert_result_close(simulate_request(vector["input"]), vector["expected"])


def test_naive_matches_vector(vector):
    assert_result_close(_naive(vector["input"]), vector["expected"])


def test_rng_debug_values(vector):
    rng = vector["rng"]
    seed = rng["seed"]
    key = naive_fmix32((seed ^ 0x9E3779B9) & 0xFFFFFFFF)
    assert key == rng["key"] == stream_key(seed)
    naive_bits = [naive_fmix32((key + c * 0x9E3779B9) & 0xFFFFFFFF) for c in range(4)]
    assert naive_bits == rng["bits"] == [int(b) for b in bits(key, [0, 1, 2, 3])]
    assert rng["uniform"] == [(b + 0.5) / 4294967296 for b in naive_bits]


def test_seed_absent_is_fnv1a32_of_utf8():
    seedless = [v for v in VECTORS if "seed" not in v["input"]]
    assert len(seedless) >= 2
    for v in seedless:
        s = v["input"]["scenario"]
        assert v["expected"]["seed"] == fnv1a32(s) == naive_fnv1a32(s)


def test_fnv1a32_published_values():
    # Published FNV-1a 32-bit test values.
    assert fnv1a32(b"") == 0x811C9DC5
    assert fnv1a32(b"a") == 0xE40C292C
    assert fnv1a32(b"foobar") == 0xBF9CF968


@pytest.mark.parametrize("seed,trials,threshold,nf", [
    (0, 257, 0.0, 1), (1, 300, 0.3, 2), (0xFFFFFFFF, 100, -1.0, 5), (2024, 1000, 0.1, 32),
    (None, 50, 0.0, 3),
])
def test_numpy_matches_naive_extra(seed, trials, threshold, nf):
    rng = np.random.default_rng(nf * 1000 + trials)
    factors = [{"name": f"f{i}", "weight": float(rng.uniform(-2, 2)),
                "mean": float(rng.uniform(-1, 1)), "stddev": float(rng.uniform(0, 3))}
               for i in range(nf)]
    inp = {"scenario": f"extra case {seed}", "seed": seed, "trials": trials,
           "threshold": threshold, "factors": factors}
    assert_result_close(simulate_request(inp), _naive(inp))


@pytest.mark.parametrize("chunk", [1, 7, 999, 1000, 1001, 65536])
def test_chunking_does_not_change_the_result(chunk):
    factors = [{"name": "a", "weight": 1, "mean": 0.1, "stddev": 1},
               {"name": "b", "weight": 0.5, "mean": 0, "stddev": 2}]
    seen = []
    whole = simulate("chunks", 11, 1000, 0.0, factors, chunk_size=10**6)
    part = simulate("chunks", 11, 1000, 0.0, factors, chunk_size=chunk,
                    progress=lambda done, total: seen.append((done, total)))
    assert part == whole  # bit-identical: chunks fill one array in trial order
    assert seen[-1] == (1000, 1000)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert len(seen) == math.ceil(1000 / chunk)


def test_large_run_has_no_overflow_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = simulate("big", 3, 200_000, 0.0, [{"name": "x", "weight": 1, "mean": 0, "stddev": 1}] * 4)
    assert abs(r["expectedValue"]) < 0.05 and abs(r["stddev"] - 2.0) < 0.05


@pytest.mark.parametrize("inp,msg", [
    ({}, "scenario"),
    ({"scenario": ""}, "scenario"),
    ({"scenario": "x" * 2001}, "scenario"),
    ({"scenario": "x", "seed": -1}, "seed"),
    ({"scenario": "x", "seed": 2**32}, "seed"),
    ({"scenario": "x", "seed": 1.5}, "seed"),
    ({"scenario": "x", "trials": 0}, "trials"),
    ({"scenario": "x", "trials": 1_000_001}, "trials"),
    ({"scenario": "x", "trials": True}, "trials"),
    ({"scenario": "x", "threshold": float("nan")}, "threshold"),
    ({"scenario": "x", "threshold": "high"}, "threshold"),
    ({"scenario": "x", "factors": {"name": "a"}}, "factors"),
    ({"scenario": "x", "factors": [{"name": "a", "stddev": -1}]}, "stddev"),
    ({"scenario": "x", "factors": [{"name": "a", "weight": float("inf")}]}, "weight"),
    ({"scenario": "x", "factors": [{"name": str(i)} for i in range(33)]}, "factors"),
    # The contract's bounds (issue 9: huge finite factors gave non-finite results).
    ({"scenario": "x", "factors": [{"name": "f", "weight": 1e308, "mean": 1e308, "stddev": 1}]}, "weight"),
    ({"scenario": "x", "factors": [{"name": "f", "weight": 1, "mean": -1.000001e6}]}, "mean"),
    ({"scenario": "x", "factors": [{"name": "f", "weight": 1, "stddev": 1.000001e6}]}, "stddev"),
    ({"scenario": "x", "threshold": 1.1e15}, "threshold"),
])
def test_bad_input_is_rejected(inp, msg):
    with pytest.raises(SimulationInputError, match=msg):
        simulate_request(inp)


def test_defaults_and_unknown_keys():
    r = simulate_request({"scenario": "Expand into the EU market", "userId": "u1"})
    assert r["trials"] == 10000 and r["seed"] == fnv1a32("Expand into the EU market")
    assert r == simulate("Expand into the EU market", None, 10000, 0.0,
                         [{"name": "baseline", "weight": 1, "mean": 0, "stddev": 1}])


def test_extreme_bounded_inputs_stay_finite():
    """At the contract's bounds every statistic is finite (docs/simulation-algorithm.md, Bounds)."""
    f = {"name": "f", "weight": -1e6, "mean": 1e6, "stddev": 1e6}
    r = simulate("edge", 7, 2_000, 1e15, [f] * 32)
    for k in ("expectedValue", "stddev", "p05", "p95", "confidence"):
        assert math.isfinite(r[k]), k
