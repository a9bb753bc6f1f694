"""Integration tests against the running Ray head and Serve app (scripts/inference/start-ray.sh)."""

import json
import time

import pytest
import requests
from conftest import VECTORS, assert_result_close
from servers import RAY_DASHBOARD, RAY_SERVE, require


@pytest.fixture(scope="module")
def serve_up():
    require(f"{RAY_SERVE}/-/healthz", "Ray Serve")


@pytest.fixture(scope="module")
def jobs_up():
    require(f"{RAY_DASHBOARD}/api/version", "Ray dashboard / Jobs API")


def test_serve_routes(serve_up):
    assert requests.get(f"{RAY_SERVE}/-/healthz", timeout=5).status_code == 200
    assert requests.get(f"{RAY_SERVE}/-/routes", timeout=5).json().get("/simulate") == "sovren"
    probe = requests.get(f"{RAY_SERVE}/simulate", timeout=5).json()
    assert probe["status"] == "ok"


@pytest.mark.parametrize("vec", VECTORS, ids=[v["name"] for v in VECTORS])
def test_serve_matches_vectors(serve_up, vec):
    r = requests.post(f"{RAY_SERVE}/simulate", json=vec["input"], timeout=60)
    assert r.status_code == 200, r.text
    assert_result_close(r.json(), vec["expected"])


def test_serve_bad_input(serve_up):
    r = requests.post(f"{RAY_SERVE}/simulate", json={"scenario": "x", "trials": 0}, timeout=30)
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["code"] == "INVALID_ARGUMENT" and "trials" in err["message"]
    r = requests.post(f"{RAY_SERVE}/simulate", data=b"not json", timeout=30)
    assert r.status_code == 400 and "not valid JSON" in r.json()["error"]["message"]


def submit(body):
    r = requests.post(f"{RAY_DASHBOARD}/api/jobs/", json=body, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["submission_id"]


def wait_done(job_id, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = requests.get(f"{RAY_DASHBOARD}/api/jobs/{job_id}", timeout=10).json()
        if info["status"] in ("SUCCEEDED", "FAILED", "STOPPED"):
            return info
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} still {info['status']} after {timeout}s")


def job_logs(job_id):
    return requests.get(f"{RAY_DASHBOARD}/api/jobs/{job_id}/logs", timeout=10).json()["logs"]


def parse_protocol(logs):
    progress = [float(l.split()[1]) for l in logs.splitlines() if l.startswith("SOVREN_PROGRESS ")]
    results = [json.loads(l[len("SOVREN_RESULT "):]) for l in logs.splitlines()
               if l.startswith("SOVREN_RESULT ")]
    return progress, results


def test_job_succeeds_with_progress_and_result(jobs_up):
    vec = next(v for v in VECTORS if v["name"] == "default-factors")
    job_input = dict(vec["input"], chunkSize=2500)
    job_id = submit({"entrypoint": "python -m ray_job",
                     "runtime_env": {"env_vars": {"SOVREN_JOB_INPUT": json.dumps(job_input)}},
                     "metadata": {"operationId": "test-op"}})
    info = wait_done(job_id)
    assert info["status"] == "SUCCEEDED", info.get("message")
    progress, results = parse_protocol(job_logs(job_id))
    assert progress == [0.25, 0.5, 0.75, 1.0]
    assert len(results) == 1
    assert_result_close(results[0], vec["expected"])


def test_job_input_from_argv(jobs_up):
    vec = next(v for v in VECTORS if v["name"] == "several-factors")
    arg = json.dumps(vec["input"]).replace("'", "'\\''")
    job_id = submit({"entrypoint": f"python -m ray_job '{arg}'"})
    info = wait_done(job_id)
    assert info["status"] == "SUCCEEDED", info.get("message")
    progress, results = parse_protocol(job_logs(job_id))
    assert progress[-1] == 1.0
    assert_result_close(results[0], vec["expected"])


def test_bad_job_fails_with_the_message(jobs_up):
    job_id = submit({"entrypoint": "python -m ray_job",
                     "runtime_env": {"env_vars": {"SOVREN_JOB_INPUT": json.dumps(
                         {"scenario": "x", "factors": [{"name": "a", "stddev": -1}]})}}})
    info = wait_done(job_id)
    assert info["status"] == "FAILED"
    assert info.get("driver_exit_code") in (2, None)
    assert "SOVREN_ERROR invalid input: factors[0].stddev must be >= 0" in info["message"]
    assert "SOVREN_RESULT" not in job_logs(job_id)


def test_job_without_input_fails(jobs_up):
    info = wait_done(submit({"entrypoint": "python -m ray_job"}))
    assert info["status"] == "FAILED"
    assert "SOVREN_ERROR invalid input: no input" in info["message"]


def test_job_fans_out_and_a_failing_task_fails_it(jobs_up):
    job_id = submit({"entrypoint": "python -m ray_job",
                     "runtime_env": {"env_vars": {
                         "SOVREN_JOB_INPUT": json.dumps({"scenario": "x", "seed": 1, "trials": 40000,
                                                         "chunkSize": 10000}),
                         "SOVREN_FANOUT_FAIL_CHUNK": "1"}}})
    info = wait_done(job_id)
    assert info["status"] == "FAILED"
    assert info.get("driver_exit_code") in (1, None)
    assert ("SOVREN_ERROR internal error: the task for trials 10000..19999 failed: "
            "InjectedFailure: injected failure in the task for trials 10000..19999") in info["message"]
    assert "SOVREN_RESULT" not in job_logs(job_id)


def running_chunk_tasks(ray_job_id):
    r = requests.get(f"{RAY_DASHBOARD}/api/v0/tasks", timeout=10, params={
        "filter_keys": ["job_id", "name", "state"], "filter_predicates": ["=", "=", "="],
        "filter_values": [ray_job_id, "chunk_task", "RUNNING"], "limit": 1000})
    assert r.status_code == 200, r.text
    return r.json()["data"]["result"]["result"]


def test_stopping_the_job_stops_its_tasks(jobs_up):
    # Every task sleeps 60 s first, so they are surely running when the job is stopped.
    job_id = submit({"entrypoint": "python -m ray_job",
                     "runtime_env": {"env_vars": {
                         "SOVREN_JOB_INPUT": json.dumps({"scenario": "x", "seed": 1, "trials": 40000,
                                                         "chunkSize": 10000}),
                         "SOVREN_FANOUT_TASK_DELAY_S": "60"}}})
    deadline = time.monotonic() + 90
    ray_job_id, running = None, []
    while time.monotonic() < deadline and not running:
        info = requests.get(f"{RAY_DASHBOARD}/api/jobs/{job_id}", timeout=10).json()
        ray_job_id = info.get("job_id")
        running = running_chunk_tasks(ray_job_id) if ray_job_id else []
        time.sleep(0.3)
    if not running:
        requests.post(f"{RAY_DASHBOARD}/api/jobs/{job_id}/stop", timeout=10)  # free the CPUs
    assert running, "no chunk task was seen running"
    stopped_at = time.monotonic()
    assert requests.post(f"{RAY_DASHBOARD}/api/jobs/{job_id}/stop", timeout=10).json()["stopped"]
    info = wait_done(job_id, timeout=60)
    assert info["status"] == "STOPPED"
    while running_chunk_tasks(ray_job_id):
        assert time.monotonic() - stopped_at < 45, "chunk tasks still running after the stop"
        time.sleep(0.3)
