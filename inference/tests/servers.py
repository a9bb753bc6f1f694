"""Where the integration tests find the servers (same env variables as the start scripts)."""

import os
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
TRITON_HTTP = f"http://127.0.0.1:{os.environ.get('SOVREN_TRITON_HTTP_PORT', '8100')}"
TRITON_GRPC = f"127.0.0.1:{os.environ.get('SOVREN_TRITON_GRPC_PORT', '8101')}"
TRITON_METRICS = f"http://127.0.0.1:{os.environ.get('SOVREN_TRITON_METRICS_PORT', '8102')}"
RAY_DASHBOARD = f"http://127.0.0.1:{os.environ.get('SOVREN_RAY_DASHBOARD_PORT', '8265')}"
RAY_SERVE = f"http://127.0.0.1:{os.environ.get('SOVREN_RAY_SERVE_PORT', '8200')}"
TOKEN_FILE = ROOT / ".cache" / "inference" / "triton-access-token"
# With SOVREN_REQUIRE_SERVERS=1 a server that is down fails the tests instead of skipping them.
REQUIRE = os.environ.get("SOVREN_REQUIRE_SERVERS") == "1"


def _up(url: str) -> bool:
    try:
        return requests.get(url, timeout=3).ok
    except requests.RequestException:
        return False


def require(url: str, what: str) -> None:
    if _up(url):
        return
    msg = f"{what} is not answering at {url} (start it with scripts/inference/start-*.sh)"
    if REQUIRE:
        pytest.fail(msg)
    pytest.skip(msg)
