// Configuration from the environment, validated once at start-up so that a bad
// value stops the process with a message naming the variable, never later.
import { z } from "zod";

/** The development secret used when neither SOVREN_JWT_SECRET nor a JWKS is configured. */
export const DEV_JWT_SECRET = "sovren-development-secret-do-not-use-in-production";

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
  SOVREN_INFERENCE_BACKEND: z.enum(["embedded"]).default("embedded"),
  SOVREN_LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  SOVREN_CORS_ORIGINS: z.string().default("*"),
  SOVREN_DELIVERY_DELAY_MS: z.coerce.number().int().min(0).default(500),
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
  inferenceBackend: "embedded";
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  corsOrigins: "*" | string[];
  /** Delay of the simulated delivery step of communications. */
  deliveryDelayMs: number;
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
  const hasJwks = e.SOVREN_JWKS_URL !== undefined || e.SOVREN_JWKS_FILE !== undefined;
  const origins = e.SOVREN_CORS_ORIGINS.trim();
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.SOVREN_DATA_DIR,
    jwtSecret: e.SOVREN_JWT_SECRET ?? (hasJwks ? undefined : DEV_JWT_SECRET),
    jwtSecretIsDevDefault: e.SOVREN_JWT_SECRET === undefined && !hasJwks,
    jwtAudience: e.SOVREN_JWT_AUDIENCE,
    jwksUrl: e.SOVREN_JWKS_URL,
    jwksFile: e.SOVREN_JWKS_FILE,
    rateLimitRps: e.SOVREN_RATE_LIMIT_RPS,
    rateLimitBurst: e.SOVREN_RATE_LIMIT_BURST ?? Math.max(1, e.SOVREN_RATE_LIMIT_RPS * 2),
    inferenceBackend: e.SOVREN_INFERENCE_BACKEND,
    logLevel: e.SOVREN_LOG_LEVEL,
    corsOrigins: origins === "*" ? "*" : origins.split(",").map((o) => o.trim()).filter(Boolean),
    deliveryDelayMs: e.SOVREN_DELIVERY_DELAY_MS,
  };
}
