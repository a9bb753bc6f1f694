# syntax=docker/dockerfile:1
# The inference core (inference/: the simulation, the PyTriton model, the Ray Serve app and the
# Ray job) with the exact pins of inference/requirements.txt and constraints.txt. One image,
# two services in deploy/compose.yaml: `triton` (PyTriton, which bundles the Triton server
# binary) and `ray` (a Ray head with the Jobs API and the Serve app). Not built on the
# project's machines (no container engine there): CI lints it with hadolint.
#
#   docker build -f deploy/inference.Dockerfile -t sovren-inference .

ARG PYTHON_IMAGE=python:3.11.7-slim-bookworm
FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/opt/sovren/inference \
    RAY_USAGE_STATS_ENABLED=0
WORKDIR /opt/sovren
COPY inference/requirements.txt inference/constraints.txt inference/
RUN pip install -r inference/requirements.txt -c inference/constraints.txt
COPY inference/ inference/
COPY deploy/ray-head.sh /opt/sovren/ray-head.sh
RUN useradd --create-home --uid 1000 sovren
USER 1000:1000
# Triton HTTP / gRPC / metrics, Ray GCS / dashboard + Jobs / Serve (the ports of docs/inference-core.md).
EXPOSE 8100 8101 8102 6390 8265 8200
CMD ["python", "inference/triton_model.py"]
