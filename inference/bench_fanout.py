"""Times one fanned-out simulation on a running Ray cluster (scripts/inference/bench-fanout.sh
starts one per CPU count and runs this against it).

    python inference/bench_fanout.py --address 127.0.0.1:6390 --trials 10000000 --factors 32 \
        --repeats 3 [--single]

Prints one JSON line per run: {"kind": "fanout"|"single", "cpus", "trials", "factors", "chunks",
"seconds", "result"}. The request is built directly (not through parse_request) because the
API caps trials at 1,000,000 and the benchmark asks for ten times that; the statistics stay
finite at that size (docs/simulation-algorithm.md, "Bounds").
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ray  # noqa: E402

from sovren_sim.core import Factor, SimulationRequest, run  # noqa: E402
from sovren_sim.fanout import run_fanout  # noqa: E402


def request(trials: int, nf: int) -> SimulationRequest:
    factors = tuple(
        Factor(f"f{i}", 0.5 + 0.01 * i, 0.1 * (i % 5) - 0.2, 0.5 + 0.05 * i) for i in range(nf)
    )
    return SimulationRequest("fan-out benchmark", 12345, trials, 0.25, factors)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--address", required=True)
    ap.add_argument("--trials", type=int, default=10_000_000)
    ap.add_argument("--factors", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--chunk", type=int, default=0, help="trials per task (default: as ray_job)")
    ap.add_argument("--single", action="store_true", help="also time the single-process run")
    args = ap.parse_args()
    req = request(args.trials, args.factors)
    ray.init(address=args.address, logging_level="warning", log_to_driver=False)
    cpus = int(ray.cluster_resources().get("CPU", 1))
    chunk = args.chunk or max(10_000, math.ceil(args.trials / max(20, 4 * cpus)))
    # one small warm-up job: starts the worker processes, imports numpy in them
    run_fanout(request(cpus * 10_000, 1), chunk_size=10_000)
    reference = None
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        got = run_fanout(req, chunk_size=chunk)
        dt = time.perf_counter() - t0
        if reference is None:
            reference = got
        assert got == reference
        print(json.dumps({"kind": "fanout", "cpus": cpus, "trials": args.trials,
                          "factors": args.factors, "chunks": math.ceil(args.trials / chunk),
                          "seconds": round(dt, 3), "result": got}), flush=True)
    ray.shutdown()
    if args.single:
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            got = run(req, chunk_size=chunk)
            dt = time.perf_counter() - t0
            assert got == reference, (got, reference)
            print(json.dumps({"kind": "single", "cpus": 1, "trials": args.trials,
                              "factors": args.factors, "chunks": math.ceil(args.trials / chunk),
                              "seconds": round(dt, 3), "result": got}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
