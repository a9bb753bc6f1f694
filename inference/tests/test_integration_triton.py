"""Integration tests against the running PyTriton server (scripts/inference/start-triton.sh)."""

import numpy as np
import pytest
import requests
from conftest import VECTORS, assert_result_close
from servers import TOKEN_FILE, TRITON_GRPC, TRITON_HTTP, TRITON_METRICS, require

MODEL = "sovren_simulation"
INFER = f"{TRITON_HTTP}/v2/models/{MODEL}/infer"

INPUTS = {"SCENARIO": "BYTES", "SEED": "INT64", "TRIALS": "INT32", "THRESHOLD": "FP64",
          "FACTOR_NAME": "BYTES", "FACTOR_WEIGHT": "FP64", "FACTOR_MEAN": "FP64",
          "FACTOR_STDDEV": "FP64"}
OUTPUTS = {"OUTCOME": "BYTES", "CONFIDENCE": "FP64", "EXPECTED_VALUE": "FP64", "STDDEV": "FP64",
           "P05": "FP64", "P95": "FP64", "SEED_USED": "INT64", "TRIALS_USED": "INT32"}


@pytest.fixture(scope="module", autouse=True)
def triton_up():
    require(f"{TRITON_HTTP}/v2/models/{MODEL}/ready", "Triton")


def kserve_inputs(inp, seed_absent_as=-1):
    """The vector's input as KServe v2 JSON tensors."""
    tensors = [{"name": "SCENARIO", "datatype": "BYTES", "shape": [1], "data": [inp["scenario"]]}]
    seed = inp.get("seed", seed_absent_as)
    if seed is not None:
        tensors.append({"name": "SEED", "datatype": "INT64", "shape": [1], "data": [seed]})
    tensors.append({"name": "TRIALS", "datatype": "INT32", "shape": [1], "data": [inp["trials"]]})
    tensors.append({"name": "THRESHOLD", "datatype": "FP64", "shape": [1],
                    "data": [float(inp["threshold"])]})
    fs = inp.get("factors") or []
    if fs:
        n = len(fs)
        tensors += [
            {"name": "FACTOR_NAME", "datatype": "BYTES", "shape": [n], "data": [f["name"] for f in fs]},
            {"name": "FACTOR_WEIGHT", "datatype": "FP64", "shape": [n], "data": [float(f["weight"]) for f in fs]},
            {"name": "FACTOR_MEAN", "datatype": "FP64", "shape": [n], "data": [float(f["mean"]) for f in fs]},
            {"name": "FACTOR_STDDEV", "datatype": "FP64", "shape": [n], "data": [float(f["stddev"]) for f in fs]},
        ]
    return tensors


def result_from_outputs(outputs):
    by = {o["name"]: o for o in outputs}
    for name, dt in OUTPUTS.items():
        assert by[name]["datatype"] == dt and by[name]["shape"] == [1], by[name]
    return {
        "outcome": by["OUTCOME"]["data"][0],
        "confidence": by["CONFIDENCE"]["data"][0],
        "expectedValue": by["EXPECTED_VALUE"]["data"][0],
        "stddev": by["STDDEV"]["data"][0],
        "p05": by["P05"]["data"][0],
        "p95": by["P95"]["data"][0],
        "seed": by["SEED_USED"]["data"][0],
        "trials": by["TRIALS_USED"]["data"][0],
    }


def test_server_and_model_metadata():
    assert requests.get(f"{TRITON_HTTP}/v2/health/ready", timeout=5).status_code == 200
    server = requests.get(f"{TRITON_HTTP}/v2", timeout=5).json()
    assert server["name"] == "triton"
    meta = requests.get(f"{TRITON_HTTP}/v2/models/{MODEL}", timeout=5).json()
    assert {i["name"]: i["datatype"] for i in meta["inputs"]} == INPUTS
    assert {o["name"]: o["datatype"] for o in meta["outputs"]} == OUTPUTS
    shapes = {i["name"]: i["shape"] for i in meta["inputs"]}
    assert shapes["SCENARIO"] == [1] and shapes["FACTOR_WEIGHT"] == [-1]
    config = requests.get(f"{TRITON_HTTP}/v2/models/{MODEL}/config", timeout=5).json()
    assert config["max_batch_size"] == 0


@pytest.mark.parametrize("vec", VECTORS, ids=[v["name"] for v in VECTORS])
def test_http_json_infer_matches_vectors(vec):
    r = requests.post(INFER, json={"inputs": kserve_inputs(vec["input"])}, timeout=60)
    assert r.status_code == 200, r.text
    assert_result_close(result_from_outputs(r.json()["outputs"]), vec["expected"])


def test_seed_tensor_may_be_omitted():
    vec = next(v for v in VECTORS if "seed" not in v["input"])
    r = requests.post(INFER, json={"inputs": kserve_inputs(vec["input"], seed_absent_as=None)},
                      timeout=60)
    assert r.status_code == 200, r.text
    assert_result_close(result_from_outputs(r.json()["outputs"]), vec["expected"])


def test_only_scenario_uses_defaults():
    vec = next(v for v in VECTORS if v["name"] == "default-factors")
    body = {"inputs": [{"name": "SCENARIO", "datatype": "BYTES", "shape": [1],
                        "data": [vec["input"]["scenario"]]},
                       {"name": "SEED", "datatype": "INT64", "shape": [1], "data": [42]}]}
    r = requests.post(INFER, json=body, timeout=60)
    assert r.status_code == 200, r.text
    assert_result_close(result_from_outputs(r.json()["outputs"]), vec["expected"])


@pytest.mark.parametrize("patch,fragment", [
    ({"TRIALS": 0}, "trials must be an integer in 1..1000000"),
    ({"SEED": -5}, "seed must be an integer in 0..4294967295"),
    ({"FACTOR_STDDEV": -1.0}, "factors[0].stddev must be >= 0"),
])
def test_bad_input_is_an_error_with_the_reason(patch, fragment):
    vec = next(v for v in VECTORS if v["name"] == "single-trial")
    tensors = kserve_inputs(vec["input"])
    for t in tensors:
        if t["name"] in patch:
            t["data"] = [patch[t["name"]]]
    r = requests.post(INFER, json={"inputs": tensors}, timeout=60)
    assert r.status_code >= 400
    assert "SimulationInputError: " + fragment in r.json()["error"]


def test_grpc_and_binary_http_with_tritonclient():
    tc_grpc = pytest.importorskip("tritonclient.grpc")
    tc_http = pytest.importorskip("tritonclient.http")
    vec = next(v for v in VECTORS if v["name"] == "seed-absent-non-ascii")
    inp = vec["input"]
    fs = inp["factors"]
    arrays = {
        "SCENARIO": np.array([inp["scenario"].encode("utf-8")], dtype=np.object_),
        "SEED": np.array([-1], dtype=np.int64),
        "TRIALS": np.array([inp["trials"]], dtype=np.int32),
        "THRESHOLD": np.array([inp["threshold"]], dtype=np.float64),
        "FACTOR_NAME": np.array([f["name"].encode() for f in fs], dtype=np.object_),
        "FACTOR_WEIGHT": np.array([f["weight"] for f in fs], dtype=np.float64),
        "FACTOR_MEAN": np.array([f["mean"] for f in fs], dtype=np.float64),
        "FACTOR_STDDEV": np.array([f["stddev"] for f in fs], dtype=np.float64),
    }
    for mod, url in ((tc_grpc, TRITON_GRPC), (tc_http, TRITON_HTTP.removeprefix("http://"))):
        client = mod.InferenceServerClient(url)
        ins = []
        for name, arr in arrays.items():
            t = mod.InferInput(name, list(arr.shape), INPUTS[name])
            t.set_data_from_numpy(arr)  # HTTP: binary tensor extension by default
            ins.append(t)
        res = client.infer(MODEL, ins)
        got = {
            "outcome": res.as_numpy("OUTCOME")[0].decode(),
            "confidence": float(res.as_numpy("CONFIDENCE")[0]),
            "expectedValue": float(res.as_numpy("EXPECTED_VALUE")[0]),
            "stddev": float(res.as_numpy("STDDEV")[0]),
            "p05": float(res.as_numpy("P05")[0]),
            "p95": float(res.as_numpy("P95")[0]),
            "seed": int(res.as_numpy("SEED_USED")[0]),
            "trials": int(res.as_numpy("TRIALS_USED")[0]),
        }
        assert_result_close(got, vec["expected"])


def test_admin_endpoints_need_the_access_token():
    r = requests.post(f"{TRITON_HTTP}/v2/repository/index", timeout=5)
    assert r.status_code == 403
    assert "triton-access-token" in r.text
    if not TOKEN_FILE.exists():
        pytest.skip("token was supplied through SOVREN_TRITON_ACCESS_TOKEN, not written to a file")
    token = TOKEN_FILE.read_text().strip()
    r = requests.post(f"{TRITON_HTTP}/v2/repository/index",
                      headers={"triton-access-token": token}, timeout=5)
    assert r.status_code == 200
    assert isinstance(r.json(), list)  # PyTriton's explicit-mode repository lists as []


def test_metrics_endpoint():
    r = requests.get(f"{TRITON_METRICS}/metrics", timeout=5)
    assert r.status_code == 200 and "nv_inference_request_success" in r.text
