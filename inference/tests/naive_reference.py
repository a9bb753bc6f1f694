"""A deliberately naive, pure-Python implementation of docs/simulation-algorithm.md.

Plain Python ints masked with 0xFFFFFFFF, math.log / math.cos, sequential loops and sequential
sums. It shares no code with sovren_sim on purpose: the tests check that both agree with each
other and with inference/vectors.json to 1e-9.
"""

import math

M = 0xFFFFFFFF


def fnv1a32(text):
    h = 0x811C9DC5
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 0x01000193) & M
    return h


def fmix32(h):
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & M
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & M
    h ^= h >> 16
    return h


def naive_simulate(scenario, seed, trials, threshold, factors):
    if seed is None:
        seed = fnv1a32(scenario)
    if not factors:
        factors = [{"name": "baseline", "weight": 1.0, "mean": 0.0, "stddev": 1.0}]
    key = fmix32((seed ^ 0x9E3779B9) & M)

    def uniform(c):
        b = fmix32((key + (c * 0x9E3779B9)) & M)
        return (b + 0.5) / 4294967296.0

    nf = len(factors)
    scores = []
    for t in range(trials):
        s = 0.0
        for f in range(nf):
            c1 = ((t * nf + f) * 2) & M
            c2 = (c1 + 1) & M
            z = math.sqrt(-2.0 * math.log(uniform(c1))) * math.cos(2.0 * math.pi * uniform(c2))
            fac = factors[f]
            s += fac["weight"] * (fac["mean"] + fac["stddev"] * z)
        scores.append(s)

    total = 0.0
    for s in scores:
        total += s
    mean = total / trials
    sq = 0.0
    for s in scores:
        sq += (s - mean) * (s - mean)
    stddev = math.sqrt(sq / trials)
    ordered = sorted(scores)
    above = 0
    for s in scores:
        if s > threshold:
            above += 1
    confidence = above / trials
    if confidence >= 0.6:
        outcome = "favorable"
    elif confidence <= 0.4:
        outcome = "unfavorable"
    else:
        outcome = "uncertain"
    return {
        "outcome": outcome,
        "confidence": confidence,
        "expectedValue": mean,
        "stddev": stddev,
        "p05": ordered[math.floor(0.05 * (trials - 1))],
        "p95": ordered[math.floor(0.95 * (trials - 1))],
        "trials": trials,
        "seed": seed,
    }
