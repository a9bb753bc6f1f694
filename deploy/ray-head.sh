#!/bin/sh
# The compose file's `ray` service: a Ray head in the foreground (GCS on 6390, not Redis's
# 6379; dashboard + Jobs API on 8265) and the Sovren Serve application on 8200 (not 8000),
# as scripts/inference/start-ray.sh sets them up on a developer's machine.
set -eu
ray start --head --disable-usage-stats --port 6390 --dashboard-host 0.0.0.0 --dashboard-port 8265 \
  --num-cpus "${SOVREN_RAY_NUM_CPUS:-2}" --num-gpus 0
cat > /tmp/serve-config.yaml <<YAML
proxy_location: HeadOnly
http_options:
  host: 0.0.0.0
  port: 8200
applications:
  - name: sovren
    route_prefix: /simulate
    import_path: ray_serve_app:app
YAML
serve deploy /tmp/serve-config.yaml --address http://127.0.0.1:8265
# Stay in the foreground while the head runs; `docker stop` (SIGTERM) stops it.
trap 'ray stop; exit 0' TERM INT
while ray status >/dev/null 2>&1; do sleep 10 & wait $!; done
