import json
import sys
from pathlib import Path

import pytest

INFERENCE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(INFERENCE_DIR))
sys.path.insert(0, str(Path(__file__).resolve().parent))

VECTORS = json.loads((INFERENCE_DIR / "vectors.json").read_text(encoding="utf-8"))
TOL = 1e-9
FLOAT_KEYS = ("confidence", "expectedValue", "stddev", "p05", "p95")
EXACT_KEYS = ("outcome", "trials", "seed")


def assert_result_close(actual: dict, expected: dict, tol: float = TOL) -> None:
    for k in EXACT_KEYS:
        assert actual[k] == expected[k], f"{k}: {actual[k]!r} != {expected[k]!r}"
    for k in FLOAT_KEYS:
        assert abs(float(actual[k]) - float(expected[k])) <= tol, (
            f"{k}: {actual[k]!r} != {expected[k]!r} (tolerance {tol})"
        )


@pytest.fixture(params=VECTORS, ids=[v["name"] for v in VECTORS])
def vector(request):
    return request.param
