#!/usr/bin/env bash
# Offline checks of the deployment files (no container engine, no cluster): hadolint on the
# Dockerfiles, the Helm chart linted, rendered by the real helm and validated against the
# Kubernetes schemas, deploy/compose.yaml against deploy/README.md. Sets up its tools first
# (scripts/deploy/setup.sh: cached venv + helm). Ends with "N passed, N failed".
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bash "$ROOT/scripts/deploy/setup.sh"
exec "$ROOT/.venv/deploy/bin/python" "$ROOT/scripts/deploy/check.py" "$ROOT/.cache/deploy/helm"
