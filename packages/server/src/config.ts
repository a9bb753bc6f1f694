// Configuration from the environment, validated once at start-up so that a bad
// value stops the process with a message naming the variable, never later.
import { createHash } from "node:crypto";
import { z } from "zod";

/** The development secret used when neither SOVREN_JWT_SECRET nor a JWKS is configured. */
export const DEV_JWT_SECRET = "sovren-development-secret-do-not-use-in-production";
/** The development audit pseudonym key used when SOVREN_AUDIT_KEY is not set. */
export const DEV_AUDIT_KEY = "sovren-development-audit-key-do-not-use-in-production";

const port = z.coerce.number().int().min(0).max(65535);
const positive = z.coerce.number().positive();
const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .optional();

const EnvSchema = z.object({
  PORT: port.default(8080),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATABASE_URL: optionalString.pipe(
    z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// or postgresql:// URL" }).optional(),
  ),
  SOVREN_DATA_DIR: optionalString,
  SOVREN_JWT_SECRET: optionalString.pipe(
    z.string().min(32, "must be at least 32 characters (HS256 needs a 256-bit secret)").optional(),
  ),
  SOVREN_JWT_AUDIENCE: z.string().min(1).default("sovren"),
  SOVREN_JWKS_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  SOVREN_JWKS_FILE: optionalString,
  SOVREN_RATE_LIMIT_RPS: positive.default(1000),
  SOVREN_RATE_LIMIT_BURST: positive.optional(),
  SOVREN_INFERENCE_BACKEND: optionalString.pipe(z.enum(["embedded", "core"]).optional()),
  SOVREN_TRITON_URL: optionalString.pipe(z.url({ protocol: /^https?$/, error: "must be an http:// URL (Triton's HTTP port)" }).optional()),
  SOVREN_TRITON_GRPC_URL: optionalString.pipe(z.url({ protocol: /^https?$/, error: "must be an http:// URL (Triton's gRPC port, cleartext HTTP/2)" }).optional()),
  SOVREN_TRITON_PROTOCOL: optionalString.pipe(z.enum(["grpc", "http"]).optional()),
  SOVREN_TRITON_MODEL: z.string().trim().min(1).default("sovren_simulation"),
  SOVREN_RAY_SERVE_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  SOVREN_RAY_SERVE_ROUTE: z.string().regex(/^\//, "must start with /").default("/simulate"),
  SOVREN_RAY_DASHBOARD_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  SOVREN_RAY_JOB_ENTRYPOINT: z.string().trim().min(1).default("python -m ray_job"),
  SOVREN_QUICK_TRIALS_MAX: z.coerce.number().int().min(1).max(1_000_000).default(100_000),
  SOVREN_INFERENCE_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  SOVREN_BREAKER_FAILURES: z.coerce.number().int().min(1).default(3),
  SOVREN_BREAKER_COOLDOWN_MS: z.coerce.number().int().min(100).default(5_000),
  SOVREN_LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  SOVREN_CORS_ORIGINS: z.string().default("*"),
  SOVREN_DELIVERY_DELAY_MS: z.coerce.number().int().min(0).default(500),
  SOVREN_DRAIN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  SOVREN_SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(0),
  SOVREN_FIRST_BYTE_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  SOVREN_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).default(20_000),
  SOVREN_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(60_000),
  SOVREN_IDLE_TIMEOUT_MS: z.coerce.number().int().min(100).default(65_000),
  SOVREN_DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  SOVREN_DB_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  SOVREN_DB_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(20),
  SOVREN_JOB_LEASE_MS: z.coerce.number().int().min(200).default(15_000),
  SOVREN_JOB_HEARTBEAT_MS: z.coerce.number().int().min(50).optional(),
  SOVREN_JOB_SWEEP_MS: z.coerce.number().int().min(50).default(5_000),
  SOVREN_JOB_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(3),
  REDIS_URL: optionalString.pipe(z.url({ protocol: /^rediss?$/, error: "must be a redis:// or rediss:// URL" }).optional()),
  SOVREN_REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:._-]{1,64}$/, "1-64 characters of A-Z a-z 0-9 : . _ -").default("sovren:"),
  SOVREN_REDIS_TIMEOUT_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  SOVREN_KEK: optionalString.pipe(
    z.string().regex(/^[A-Za-z0-9+/_-]{43}=?$/, "must be 32 bytes in base64 or base64url (e.g. `openssl rand -base64 32`)").optional(),
  ),
  SOVREN_SIGN_RESPONSES: z.enum(["true", "false", "1", "0"]).default("true"),
  SOVREN_AUDIT_KEY: optionalString.pipe(z.string().min(32, "must be at least 32 characters (an HMAC-SHA256 key)").optional()),
});

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string | undefined;
  jwtSecret: string | undefined;
  /** True when the development secret is in use (a warning is printed). */
  jwtSecretIsDevDefault: boolean;
  jwtAudience: string;
  jwksUrl: string | undefined;
  jwksFile: string | undefined;
  rateLimitRps: number;
  rateLimitBurst: number;
  inference: InferenceConfig;
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  corsOrigins: "*" | string[];
  /** Delay of the simulated delivery step of communications. */
  deliveryDelayMs: number;
  /**
   * Durable work (simulations, deliveries): an instance's job leases last
   * leaseMs past its last heartbeat; every sweepMs it claims work whose lease
   * expired. A crashed instance's work is resumed within leaseMs + sweepMs.
   */
  jobs: { leaseMs: number; heartbeatMs: number; sweepMs: number; maxAttempts: number };
  /** Connection timeouts and the shutdown drain, all in milliseconds. */
  timeouts: TimeoutConfig;
  /** REDIS_URL: the rate limiter shared across instances and change events over pub/sub (scale/). */
  redis?: { url: string; prefix: string; commandTimeoutMs: number };
  /** The audit ledger's HMAC key for pseudonyms and request/result digests (issue 13). */
  audit: { key: string; keyIsDevDefault: boolean };
  /**
   * Response signatures (issue 13): the key-encryption key that seals every
   * tenant's data key and the server's private keys, and whether REST and RPC
   * responses are signed (off only to measure its cost).
   */
  signing: { kek: Buffer; kekIsDevDefault: boolean; enabled: boolean };
  /** PostgreSQL connections per process (SOVREN_WORKERS divides the default among workers). */
  dbPoolMax: number;
}

export interface TimeoutConfig {
  /** SIGTERM/SIGINT: how long in-flight requests may take before connections are cut. */
  drainMs: number;
  /** SIGTERM/SIGINT: keep accepting (readiness 503) this long before the drain, for load balancers to catch up. */
  shutdownDelayMs: number;
  /** A new connection that sends nothing (or not enough to tell HTTP/1.1 from HTTP/2) is closed. */
  firstByteMs: number;
  /** HTTP/1.1: the request headers must arrive within this (408 otherwise). */
  headersMs: number;
  /** HTTP/1.1: the whole request (headers and body) must arrive within this (408 otherwise). */
  requestMs: number;
  /** A keep-alive HTTP/1.1 connection, or an HTTP/2 session with no open stream, idle this long is closed. */
  idleMs: number;
  /** PostgreSQL: connecting, or waiting for a free pooled connection (503 after). */
  dbConnectMs: number;
  /** PostgreSQL: one statement without an answer (a frozen server) (503 after). */
  dbQueryMs: number;
}

/**
 * The inference core. `embedded` runs every simulation in this process;
 * `core` sends quick ones to Triton (else Ray Serve) and batch ones to Ray
 * Jobs (else to the quick backend). See docs/inference-core.md.
 */
export interface InferenceConfig {
  mode: "embedded" | "core";
  triton?: { protocol: "grpc" | "http"; url: string; model: string };
  rayServe?: { url: string; route: string };
  rayJobs?: { dashboardUrl: string; entrypoint: string };
  /** UNSPECIFIED mode runs as batch above this many trials. */
  quickTrialsMax: number;
  /** Per-call timeout of quick backends. */
  timeoutMs: number;
  breaker: { failureThreshold: number; cooldownMs: number };
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses the environment; throws ConfigError listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const inference = inferenceConfig(e);
  const hasJwks = e.SOVREN_JWKS_URL !== undefined || e.SOVREN_JWKS_FILE !== undefined;
  const origins = e.SOVREN_CORS_ORIGINS.trim();
  const heartbeatMs = e.SOVREN_JOB_HEARTBEAT_MS ?? Math.max(50, Math.floor(e.SOVREN_JOB_LEASE_MS / 3));
  if (heartbeatMs >= e.SOVREN_JOB_LEASE_MS) {
    throw new ConfigError("invalid configuration:\n  SOVREN_JOB_HEARTBEAT_MS: must be less than SOVREN_JOB_LEASE_MS (a third of it is the default)");
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dbPoolMax: e.SOVREN_DB_POOL_MAX,
    dataDir: e.SOVREN_DATA_DIR,
    jwtSecret: e.SOVREN_JWT_SECRET ?? (hasJwks ? undefined : DEV_JWT_SECRET),
    jwtSecretIsDevDefault: e.SOVREN_JWT_SECRET === undefined && !hasJwks,
    jwtAudience: e.SOVREN_JWT_AUDIENCE,
    jwksUrl: e.SOVREN_JWKS_URL,
    jwksFile: e.SOVREN_JWKS_FILE,
    rateLimitRps: e.SOVREN_RATE_LIMIT_RPS,
    rateLimitBurst: e.SOVREN_RATE_LIMIT_BURST ?? Math.max(1, e.SOVREN_RATE_LIMIT_RPS * 2),
    inference,
    logLevel: e.SOVREN_LOG_LEVEL,
    corsOrigins: origins === "*" ? "*" : origins.split(",").map((o) => o.trim()).filter(Boolean),
    deliveryDelayMs: e.SOVREN_DELIVERY_DELAY_MS,
    timeouts: {
      drainMs: e.SOVREN_DRAIN_TIMEOUT_MS,
      shutdownDelayMs: e.SOVREN_SHUTDOWN_DELAY_MS,
      firstByteMs: e.SOVREN_FIRST_BYTE_TIMEOUT_MS,
      headersMs: e.SOVREN_HEADERS_TIMEOUT_MS,
      // Node requires requestTimeout ≥ headersTimeout.
      requestMs: Math.max(e.SOVREN_REQUEST_TIMEOUT_MS, e.SOVREN_HEADERS_TIMEOUT_MS),
      idleMs: e.SOVREN_IDLE_TIMEOUT_MS,
      dbConnectMs: e.SOVREN_DB_CONNECT_TIMEOUT_MS,
      dbQueryMs: e.SOVREN_DB_QUERY_TIMEOUT_MS,
    },
    jobs: { leaseMs: e.SOVREN_JOB_LEASE_MS, heartbeatMs, sweepMs: e.SOVREN_JOB_SWEEP_MS, maxAttempts: e.SOVREN_JOB_MAX_ATTEMPTS },
    ...(e.REDIS_URL ? { redis: { url: e.REDIS_URL, prefix: e.SOVREN_REDIS_PREFIX, commandTimeoutMs: e.SOVREN_REDIS_TIMEOUT_MS } } : {}),
    audit: { key: e.SOVREN_AUDIT_KEY ?? DEV_AUDIT_KEY, keyIsDevDefault: e.SOVREN_AUDIT_KEY === undefined },
    signing: {
      kek: e.SOVREN_KEK ? Buffer.from(e.SOVREN_KEK, "base64") : createHash("sha256").update("sovren-development-kek-do-not-use-in-production").digest(),
      kekIsDevDefault: e.SOVREN_KEK === undefined,
      enabled: e.SOVREN_SIGN_RESPONSES === "true" || e.SOVREN_SIGN_RESPONSES === "1",
    },
  };
}

function inferenceConfig(e: z.infer<typeof EnvSchema>): InferenceConfig {
  const problems: string[] = [];
  const anyUrl = [e.SOVREN_TRITON_URL, e.SOVREN_TRITON_GRPC_URL, e.SOVREN_RAY_SERVE_URL, e.SOVREN_RAY_DASHBOARD_URL].some(Boolean);
  const mode = e.SOVREN_INFERENCE_BACKEND ?? (anyUrl ? "core" : "embedded");
  const base = {
    mode,
    quickTrialsMax: e.SOVREN_QUICK_TRIALS_MAX,
    timeoutMs: e.SOVREN_INFERENCE_TIMEOUT_MS,
    breaker: { failureThreshold: e.SOVREN_BREAKER_FAILURES, cooldownMs: e.SOVREN_BREAKER_COOLDOWN_MS },
  } as const;
  if (mode === "embedded") {
    if (anyUrl) problems.push("SOVREN_INFERENCE_BACKEND: is embedded, but inference URLs are set (unset them, or use core)");
    if (problems.length) throw new ConfigError(`invalid configuration:\n  ${problems.join("\n  ")}`);
    return base;
  }
  let triton: InferenceConfig["triton"];
  const protocol = e.SOVREN_TRITON_PROTOCOL ?? (e.SOVREN_TRITON_GRPC_URL ? "grpc" : e.SOVREN_TRITON_URL ? "http" : undefined);
  if (protocol === "grpc") {
    if (!e.SOVREN_TRITON_GRPC_URL) problems.push("SOVREN_TRITON_GRPC_URL: required when SOVREN_TRITON_PROTOCOL is grpc (e.g. http://127.0.0.1:8101)");
    else triton = { protocol, url: e.SOVREN_TRITON_GRPC_URL, model: e.SOVREN_TRITON_MODEL };
  } else if (protocol === "http") {
    if (!e.SOVREN_TRITON_URL) problems.push("SOVREN_TRITON_URL: required when SOVREN_TRITON_PROTOCOL is http (e.g. http://127.0.0.1:8100)");
    else triton = { protocol, url: e.SOVREN_TRITON_URL, model: e.SOVREN_TRITON_MODEL };
  }
  const rayServe = e.SOVREN_RAY_SERVE_URL ? { url: e.SOVREN_RAY_SERVE_URL, route: e.SOVREN_RAY_SERVE_ROUTE } : undefined;
  const rayJobs = e.SOVREN_RAY_DASHBOARD_URL ? { dashboardUrl: e.SOVREN_RAY_DASHBOARD_URL, entrypoint: e.SOVREN_RAY_JOB_ENTRYPOINT } : undefined;
  if (!triton && !rayServe && !rayJobs) {
    problems.push("SOVREN_INFERENCE_BACKEND: core needs SOVREN_TRITON_URL / SOVREN_TRITON_GRPC_URL, SOVREN_RAY_SERVE_URL or SOVREN_RAY_DASHBOARD_URL");
  }
  if (problems.length) throw new ConfigError(`invalid configuration:\n  ${problems.join("\n  ")}`);
  return { ...base, ...(triton ? { triton } : {}), ...(rayServe ? { rayServe } : {}), ...(rayJobs ? { rayJobs } : {}) };
}
