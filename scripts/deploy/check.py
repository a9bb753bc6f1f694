"""Offline checks of the deployment files (run by scripts/deploy/check.sh with the deploy venv).

Prints one line per check ("ok ..." / "FAIL ...") and a last line "N passed, N failed";
exits 1 when anything failed. Arguments: the helm binary.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy/helm/sovren"
CI_VALUES = CHART / "ci/test-values.yaml"
K8S_VERSIONS = ("1.33.0", "1.37.0")
HADOLINT = Path(sys.executable).parent / "hadolint"

passed: list[str] = []
failed: list[str] = []


def check(name: str, ok: bool, detail: str = "") -> bool:
    (passed if ok else failed).append(name)
    print(("ok   " if ok else "FAIL ") + name + ("" if ok or not detail else f"\n     {detail}"))
    return ok


# ----------------------------------------------------------------------------- Dockerfiles


def dockerfiles() -> None:
    for rel in ("Dockerfile", "deploy/inference.Dockerfile"):
        r = subprocess.run([str(HADOLINT), "--no-color", "--failure-threshold", "info", str(ROOT / rel)],
                           capture_output=True, text=True)
        check(f"hadolint {rel}: no finding", r.returncode == 0, (r.stdout + r.stderr).strip())
    text = (ROOT / "Dockerfile").read_text()
    lines = [l.strip() for l in text.splitlines() if l.strip() and not l.strip().startswith("#")]
    froms = [l for l in lines if l.upper().startswith("FROM ")]
    users = [l.split(None, 1)[1] for l in lines if l.upper().startswith("USER ")]
    check("Dockerfile: multi-stage (a build stage and a runtime stage)", len(froms) >= 2, str(froms))
    check("Dockerfile: runs as a non-root numeric user", bool(users) and users[-1].split(":")[0] not in ("0", "root")
          and users[-1].split(":")[0].isdigit(), str(users))
    check("Dockerfile: HEALTHCHECK on /v1/health", any(l.startswith("HEALTHCHECK") for l in lines) and "/v1/health" in text)
    check("Dockerfile: production dependencies only (pnpm deploy --prod)", "deploy --prod" in text)
    runtime = text[text.rindex("FROM "):]
    check("Dockerfile: the runtime stage copies only the deployed server", "COPY --from=build" in runtime
          and not re.search(r"^COPY (?!--from)", runtime, re.M))


# ----------------------------------------------------------------------------- Helm chart


def helm(helm_bin: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([helm_bin, *args], capture_output=True, text=True)


def render(helm_bin: str, *sets: str) -> list[dict] | None:
    args = ["template", "sovren", str(CHART), "--namespace", "sovren", "-f", str(CI_VALUES)]
    for s in sets:
        args += ["--set", s]
    r = helm(helm_bin, *args)
    if not check(f"helm template {' '.join(sets) or '(ci/test-values.yaml)'}", r.returncode == 0, r.stderr.strip()):
        return None
    return [d for d in yaml.safe_load_all(r.stdout) if d]


def validate(docs: list[dict], label: str) -> None:
    for doc in docs:
        kind, name = doc.get("kind"), doc.get("metadata", {}).get("name")
        if doc.get("apiVersion", "").startswith("monitoring.coreos.com/"):
            ep = (doc.get("spec", {}).get("endpoints") or [{}])[0]
            check(f"{label}: {kind}/{name} (CRD) selects the metrics port with a bearer token",
                  ep.get("port") == "metrics" and ep.get("path") == "/metrics" and "bearerTokenSecret" in ep)
            continue
        for v in K8S_VERSIONS:
            try:
                kubernetes_validate.validate(doc, v, strict=True)
                ok, detail = True, ""
            except kubernetes_validate.ValidationError as exc:
                ok, detail = False, f"{'.'.join(str(p) for p in exc.path)}: {exc.message}"
            except kubernetes_validate.SchemaNotFoundError as exc:
                ok, detail = False, str(exc)
            check(f"{label}: {kind}/{name} valid against the Kubernetes {v} schema (strict)", ok, detail)


def by_kind(docs: list[dict], kind: str) -> list[dict]:
    return [d for d in docs if d.get("kind") == kind]


def chart(helm_bin: str) -> None:
    r = helm(helm_bin, "version", "--short")
    check(f"helm is the real binary ({r.stdout.strip()})", r.returncode == 0 and r.stdout.startswith("v"))
    r = helm(helm_bin, "lint", "--strict", str(CHART), "-f", str(CI_VALUES))
    check("helm lint --strict", r.returncode == 0, (r.stdout + r.stderr).strip())
    r = helm(helm_bin, "template", "sovren", str(CHART))
    check("helm template refuses to render without a JWT secret",
          r.returncode != 0 and "secrets.jwtSecret" in r.stderr, r.stderr.strip())

    docs = render(helm_bin)
    if docs is None:
        return
    kinds = sorted(d["kind"] for d in docs)
    check("chart renders Deployment, Service, Secret, PDB, HPA, ServiceAccount",
          kinds == sorted(["Deployment", "Service", "Secret", "PodDisruptionBudget",
                           "HorizontalPodAutoscaler", "ServiceAccount"]), str(kinds))
    validate(docs, "default")
    dep = by_kind(docs, "Deployment")[0]
    pod = dep["spec"]["template"]["spec"]
    c = pod["containers"][0]
    env = {e["name"]: e for e in c["env"]}
    check("readiness probe: GET /v1/health/ready", c["readinessProbe"].get("httpGet", {}).get("path") == "/v1/health/ready")
    check("liveness probe: GET /v1/health", c["livenessProbe"].get("httpGet", {}).get("path") == "/v1/health")
    check("startup probe: the gRPC health service on the server's port",
          c["startupProbe"].get("grpc", {}).get("port") == c["ports"][0]["containerPort"])
    delay = int(env["SOVREN_SHUTDOWN_DELAY_MS"]["value"])
    drain = int(env["SOVREN_DRAIN_TIMEOUT_MS"]["value"])
    grace = pod["terminationGracePeriodSeconds"]
    check(f"drain: SOVREN_DRAIN_TIMEOUT_MS {drain} = the server's 10 s default", drain == 10_000)
    check(f"terminationGracePeriodSeconds {grace} > shutdown delay {delay} ms + drain {drain} ms",
          grace * 1000 > delay + drain and delay > 0)
    for key, var in (("jwtSecret", "SOVREN_JWT_SECRET"), ("keyEncryptionKey", "SOVREN_KEK"),
                     ("databaseUrl", "DATABASE_URL")):
        ref = env.get(var, {}).get("valueFrom", {}).get("secretKeyRef", {})
        check(f"{var} comes from the Secret's {key}", ref.get("key") == key and ref.get("name") == "sovren-secrets")
    secret = by_kind(docs, "Secret")[0]
    check("Secret holds the JWT and key-encryption keys",
          {"jwtSecret", "keyEncryptionKey"} <= set(secret.get("stringData", {})))
    sc, psc = c["securityContext"], pod["securityContext"]
    check("non-root, read-only root filesystem, no capabilities",
          psc.get("runAsNonRoot") is True and psc.get("runAsUser") == 1000 and sc.get("readOnlyRootFilesystem") is True
          and sc.get("allowPrivilegeEscalation") is False and sc.get("capabilities", {}).get("drop") == ["ALL"])
    svc = by_kind(docs, "Service")[0]
    ports = {p["name"]: p for p in svc["spec"]["ports"]}
    check("Service has a port named metrics", "metrics" in ports and "http" in ports, str(ports))
    hpa = by_kind(docs, "HorizontalPodAutoscaler")[0]
    check("HPA scales the Deployment", hpa["spec"]["scaleTargetRef"]["name"] == dep["metadata"]["name"]
          and hpa["spec"]["minReplicas"] >= 2)
    check("Deployment leaves replicas to the HPA", "replicas" not in dep["spec"])
    pdb = by_kind(docs, "PodDisruptionBudget")[0]
    check("PDB selects the Deployment's pods",
          pdb["spec"]["selector"]["matchLabels"] == dep["spec"]["selector"]["matchLabels"])

    variants = [
        ("existing Secret, gRPC probes, no HPA, preStop sleep, ServiceMonitor",
         ["secrets.existingSecret=sovren-prod", "probes.readiness.type=grpc", "probes.liveness.type=grpc",
          "autoscaling.enabled=false", "shutdown.preStopSleepSeconds=5", "metrics.serviceMonitor.enabled=true"]),
    ]
    for label, sets in variants:
        docs = render(helm_bin, *sets)
        if docs is None:
            continue
        validate(docs, label)
        dep = by_kind(docs, "Deployment")[0]
        pod = dep["spec"]["template"]["spec"]
        c = pod["containers"][0]
        check(f"{label}: no Secret rendered", not by_kind(docs, "Secret"))
        check(f"{label}: gRPC readiness (service \"\") and liveness (the health service)",
              c["readinessProbe"].get("grpc", {}).get("service") == ""
              and c["livenessProbe"].get("grpc", {}).get("service") == "grpc.health.v1.Health")
        check(f"{label}: preStop sleep counted in the grace period",
              c["lifecycle"]["preStop"]["exec"]["command"] == ["sleep", "5"]
              and pod["terminationGracePeriodSeconds"] == 25)
        check(f"{label}: fixed replicas, no HPA", dep["spec"].get("replicas") == 2
              and not by_kind(docs, "HorizontalPodAutoscaler"))


# ----------------------------------------------------------------------------- compose


def documented_ports() -> dict[str, set[int]]:
    """The table of deploy/README.md: | `service` | port | what |"""
    out: dict[str, set[int]] = {}
    for m in re.finditer(r"^\| `([a-z]+)` \| (\d+) \|", (ROOT / "deploy/README.md").read_text(), re.M):
        out.setdefault(m.group(1), set()).add(int(m.group(2)))
    return out


def compose() -> None:
    spec = yaml.safe_load((ROOT / "deploy/compose.yaml").read_text())
    services = spec.get("services", {})
    check("compose: services server, postgres, redis, triton, ray",
          set(services) == {"server", "postgres", "redis", "triton", "ray"}, str(sorted(services)))
    published: dict[str, set[int]] = {}
    for name, svc in services.items():
        for p in svc.get("ports", []):
            host, _, container = str(p).rpartition(":")
            check(f"compose: {name} publishes {p} on the same port", host == container)
            published.setdefault(name, set()).add(int(container))
    docs = documented_ports()
    check("deploy/README.md names the ports of every service", set(docs) == set(services), str(sorted(docs)))
    for name in services:
        check(f"compose: {name} publishes exactly the documented ports {sorted(docs.get(name, []))}",
              published.get(name, set()) == docs.get(name, set()), str(sorted(published.get(name, []))))
    all_ports = [p for ps in published.values() for p in ps]
    check("compose: Redis alone on 6379, nothing on 8000-8002", published.get("redis") == {6379}
          and all_ports.count(6379) == 1 and not {8000, 8001, 8002} & set(all_ports))
    env = services["server"].get("environment", {})
    wanted = {"DATABASE_URL": ("postgres", 5432), "REDIS_URL": ("redis", 6379),
              "SOVREN_TRITON_GRPC_URL": ("triton", 8101), "SOVREN_RAY_SERVE_URL": ("ray", 8200),
              "SOVREN_RAY_DASHBOARD_URL": ("ray", 8265)}
    for var, (svc, port) in wanted.items():
        m = re.search(r"@?([a-z]+):(\d+)", str(env.get(var, "")).split("//")[-1])
        check(f"compose: server {var} → {svc}:{port}", bool(m) and (m.group(1), int(m.group(2))) == (svc, port),
              str(env.get(var)))
    ray_cmd = (ROOT / "deploy/ray-head.sh").read_text()
    check("compose: the Ray head's GCS on 6390 and Serve on 8200", "--port 6390" in ray_cmd and "port: 8200" in ray_cmd)
    deps = services["server"].get("depends_on", {})
    check("compose: the server waits for the others to be healthy",
          all(deps.get(s, {}).get("condition") == "service_healthy" for s in ("postgres", "redis", "triton", "ray")))
    check("compose: every dependency has a healthcheck",
          all("healthcheck" in services[s] for s in ("postgres", "redis", "triton", "ray")))
    grace = str(services["server"].get("stop_grace_period", "10s"))
    delay, drain = int(env.get("SOVREN_SHUTDOWN_DELAY_MS", 0)), int(env.get("SOVREN_DRAIN_TIMEOUT_MS", 10_000))
    check(f"compose: stop_grace_period {grace} > shutdown delay + drain",
          grace.endswith("s") and int(grace[:-1]) * 1000 > delay + drain)


def main() -> int:
    helm_bin = sys.argv[1]
    dockerfiles()
    chart(helm_bin)
    compose()
    print(f"{len(passed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
