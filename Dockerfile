# syntax=docker/dockerfile:1
# The reference server (@sovren/server) as a container image. Multi-stage: the build stage
# installs the workspace from the lockfile and builds it; `pnpm deploy --prod` then copies
# the server with its production dependencies only (the workspace packages it uses included)
# into /out; the runtime stage is that directory on a slim Node.js 20 image, run as the
# unprivileged `node` user (uid 1000). Not built on the project's machines (no container
# engine there): CI lints this file with hadolint (scripts/deploy/check.sh).
#
#   docker build -t sovren-server .
#   docker run -p 8080:8080 -e SOVREN_JWT_SECRET=... -e DATABASE_URL=postgres://... sovren-server

ARG NODE_IMAGE=node:20.19-bookworm-slim
ARG PNPM_VERSION=10.34.9

FROM ${NODE_IMAGE} AS build
ARG PNPM_VERSION
WORKDIR /src
RUN npm install -g "pnpm@${PNPM_VERSION}" && npm cache clean --force
# Manifests first: the dependency layer is rebuilt only when they change.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY packages/contracts/package.json packages/contracts/
COPY packages/inference/package.json packages/inference/
COPY packages/server/package.json packages/server/
COPY packages/sdk/package.json packages/sdk/
COPY examples/package.json examples/
RUN pnpm install --frozen-lockfile --filter "@sovren/server..."
COPY tsconfig.base.json tsconfig.json ./
COPY packages/contracts packages/contracts
COPY packages/inference packages/inference
COPY packages/server packages/server
RUN pnpm --filter @sovren/contracts run build \
 && pnpm --filter @sovren/inference run build \
 && pnpm --filter @sovren/server run build \
 && pnpm --filter @sovren/server deploy --prod --legacy /out

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    SOVREN_DATA_DIR=/data
WORKDIR /app
COPY --from=build --chown=node:node /out /app
RUN mkdir -p /data && chown node:node /data
# The image's `node` user, by number so that runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 8080
VOLUME ["/data"]
# Liveness (GET /v1/health answers while the process serves); Node 20 has fetch built in, so
# the image needs no curl. Orchestrators use their own probes (deploy/helm/sovren).
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/v1/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM drains (SOVREN_SHUTDOWN_DELAY_MS, then SOVREN_DRAIN_TIMEOUT_MS): give `docker stop`
# a timeout above their sum (e.g. --stop-timeout 30).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/app/dist/cli.js"]
CMD ["serve"]
