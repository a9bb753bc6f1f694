// Assembles the server: configuration → database (migrated) → services →
// pipeline → one listening port. `startServer` is also how tests and the
// examples start it in-process.
import { createRequire } from "node:module";
import { createApiKeyResolver } from "./auth/api-keys.js";
import { createAuthenticator } from "./auth/authenticate.js";
import { createJwtVerifier } from "./auth/jwt.js";
import { loadConfig, type Config } from "./config.js";
import { ChangeFeed } from "./domain/change-feed.js";
import { DeliverySimulator } from "./domain/delivery.js";
import { ErasureRunner } from "./domain/erasure.js";
import { JobQueue } from "./domain/jobs.js";
import { OperationRunner } from "./domain/operation-runner.js";
import { RateLimiter } from "./domain/rate-limiter.js";
import type { Pipeline } from "./handlers/dispatch.js";
import type { Services } from "./handlers/services.js";
import { InferenceRouter } from "./inference/index.js";
import { createLogger, type Logger } from "./observability/logger.js";
import { createMetrics } from "./observability/metrics.js";
import type { Db } from "./store/db.js";
import { openDb } from "./store/open.js";
import { AuditLedger } from "./trust/audit-ledger.js";
import { SigningKeys } from "./trust/signing-keys.js";
import { createHttpHandler } from "./transport/http-handler.js";
import { listen } from "./transport/listener.js";
import { startTelemetry } from "./telemetry/telemetry.js";
import { traceBackend } from "./telemetry/traced-backend.js";
import { traceDb } from "./telemetry/traced-db.js";

export interface StartServerOptions extends Partial<Config> {
  /** Environment to read the rest of the configuration from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Overrides the logger (tests pass a silent one). */
  logger?: Logger;
}

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  port: number;
  config: Config;
  db: Db;
  close(): Promise<void>;
}

function packageVersion(): string {
  try {
    return (createRequire(import.meta.url)("../package.json") as { version: string }).version;
  } catch {
    return "0.0.0";
  }
}

export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const { env, logger, ...overrides } = options;
  const config: Config = { ...loadConfig(env ?? process.env), ...overrides };
  const log = logger ?? createLogger(config.logLevel, { service: "sovren-server" });
  if (config.jwtSecretIsDevDefault && config.jwtSecret) {
    log.warn("using the documented development JWT secret: set SOVREN_JWT_SECRET or SOVREN_JWKS_URL/FILE in production");
  }
  if (config.audit.keyIsDevDefault) {
    log.warn("using the documented development audit key: set SOVREN_AUDIT_KEY in production (ledger pseudonyms are only as private as it)");
  }
  const t = config.timeouts;
  // Tracing and Redis load their libraries only when configured (OTLP endpoint, REDIS_URL).
  const telemetry = await startTelemetry(env ?? process.env, log, packageVersion());
  const scale = config.redis
    ? await (await import("./scale/index.js")).startScale(config.redis, { rps: config.rateLimitRps, burst: config.rateLimitBurst }, log)
    : undefined;
  let db = await openDb({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    postgres: { max: config.dbPoolMax, connectTimeoutMs: t.dbConnectMs, queryTimeoutMs: t.dbQueryMs, log: (level, msg, fields) => log[level](msg, fields) },
  }).catch(async (err: unknown) => {
    await Promise.allSettled([scale?.close(), telemetry.shutdown()]);
    throw err;
  });
  if (scale) db = scale.publishChanges(db);
  if (telemetry.enabled) db = traceDb(db, telemetry);
  if (config.signing.kekIsDevDefault) {
    log.warn("using the documented development key-encryption key: set SOVREN_KEK in production (it seals every signing key)");
  }
  const keys = new SigningKeys(db, config.signing.kek);
  await keys.start();
  const stopping = new AbortController();
  const metrics = createMetrics();
  const inference = new InferenceRouter(config.inference, log, telemetry.enabled ? (b, url) => traceBackend(b, telemetry, url) : undefined);
  const feed = new ChangeFeed(db, scale?.bus);
  await feed.start();
  // Durable work: this instance's lease is registered before it accepts any.
  const jobs = new JobQueue(db, config.jobs, log);
  await jobs.start();
  const runner = new OperationRunner(db, inference, metrics, log, jobs);
  const svc: Services = {
    config,
    db,
    inference,
    runner,
    erasure: new ErasureRunner(db, jobs, log, (id, backend) => runner.cancel(id, backend)),
    jobs,
    feed,
    delivery: new DeliverySimulator(db, config.deliveryDelayMs, log, jobs),
    metrics,
    log,
    version: packageVersion(),
    audit: new AuditLedger(config.audit.key),
    keys,
    stopping: stopping.signal,
    telemetry,
    ...(scale ? { optionalDependencies: [{ name: "redis", check: scale.check }] } : {}),
  };
  const verifyJwt = createJwtVerifier({
    secret: config.jwtSecret,
    audience: config.jwtAudience,
    jwksUrl: config.jwksUrl,
    jwksFile: config.jwksFile,
  });
  const pipeline: Pipeline = {
    svc,
    auth: createAuthenticator(verifyJwt, createApiKeyResolver(db)),
    limiter: scale?.limiter ?? new RateLimiter(config.rateLimitRps, config.rateLimitBurst),
  };
  const listening = await listen(createHttpHandler(pipeline), config.port, config.host, {
    firstByteMs: t.firstByteMs,
    headersMs: t.headersMs,
    requestMs: t.requestMs,
    idleMs: t.idleMs,
  });
  const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${listening.port}`;
  log.info("listening", { url, instance: jobs.owner, database: db.kind, quick: inference.quick.name, batch: inference.batch.name, redis: scale ? "shared limits and events" : "off", tracing: telemetry.enabled ? "otlp" : "off" });
  // Work a crashed or stopped instance left (PGlite: the previous process's, at once).
  void jobs.sweep();
  let closing: Promise<void> | undefined;
  return {
    url,
    port: listening.port,
    config,
    db,
    close: () =>
      (closing ??= (async () => {
        // Drain: readiness 503, streams end, long polls return, in-flight
        // requests finish (bounded by the drain timeout); then hand unfinished
        // work back (leases released, attempts uncounted) for another instance
        // or the next start, and void this instance's lease.
        const started = Date.now();
        stopping.abort();
        const { drained } = await listening.close(t.drainMs, t.shutdownDelayMs);
        log.info("drained", { drained, ms: Date.now() - started });
        await jobs.stop();
        await svc.delivery.stop();
        await svc.runner.stop();
        await svc.erasure.stop();
        await jobs.retire();
        await feed.stop();
        await inference.close();
        await db.close();
        await scale?.close();
        await telemetry.shutdown();
      })()),
  };
}
