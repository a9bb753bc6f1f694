import { describe, expect, it } from "vitest";
import { ConfigError, DEV_JWT_SECRET, loadConfig } from "./config.js";

describe("loadConfig", () => {
  it("has working defaults and falls back to the development secret", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 8080, host: "0.0.0.0", jwtAudience: "sovren", inference: { mode: "embedded" }, corsOrigins: "*", jwtSecret: DEV_JWT_SECRET, jwtSecretIsDevDefault: true });
    expect(loadConfig({ SOVREN_JWKS_FILE: "/keys.json" }).jwtSecret).toBeUndefined();
    expect(loadConfig({ SOVREN_CORS_ORIGINS: "https://a.example, https://b.example" }).corsOrigins).toEqual(["https://a.example", "https://b.example"]);
  });

  it("names every bad variable", () => {
    let message = "";
    try {
      loadConfig({ PORT: "http", DATABASE_URL: "mysql://x", SOVREN_JWT_SECRET: "short", SOVREN_INFERENCE_BACKEND: "gpu", SOVREN_RATE_LIMIT_RPS: "-1" });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    for (const name of ["PORT", "DATABASE_URL", "SOVREN_JWT_SECRET", "SOVREN_INFERENCE_BACKEND", "SOVREN_RATE_LIMIT_RPS"]) {
      expect(message).toContain(name);
    }
  });

  it("has connection, drain and database timeouts with the defaults the README states", () => {
    expect(loadConfig({}).timeouts).toEqual({
      drainMs: 10_000,
      shutdownDelayMs: 0,
      firstByteMs: 10_000,
      headersMs: 20_000,
      requestMs: 60_000,
      idleMs: 65_000,
      dbConnectMs: 5_000,
      dbQueryMs: 10_000,
    });
    // Node requires requestTimeout >= headersTimeout.
    expect(loadConfig({ SOVREN_HEADERS_TIMEOUT_MS: "90000" }).timeouts.requestMs).toBe(90_000);
    expect(() => loadConfig({ SOVREN_DRAIN_TIMEOUT_MS: "-1" })).toThrow(/SOVREN_DRAIN_TIMEOUT_MS/);
    expect(() => loadConfig({ SOVREN_IDLE_TIMEOUT_MS: "soon" })).toThrow(/SOVREN_IDLE_TIMEOUT_MS/);
  });

  it("configures durable work: lease, heartbeat (a third of the lease by default), sweep, attempts", () => {
    expect(loadConfig({}).jobs).toEqual({ leaseMs: 15_000, heartbeatMs: 5_000, sweepMs: 5_000, maxAttempts: 3 });
    expect(loadConfig({ SOVREN_JOB_LEASE_MS: "2000", SOVREN_JOB_SWEEP_MS: "500", SOVREN_JOB_MAX_ATTEMPTS: "5" }).jobs).toEqual({
      leaseMs: 2000,
      heartbeatMs: 666,
      sweepMs: 500,
      maxAttempts: 5,
    });
    expect(() => loadConfig({ SOVREN_JOB_LEASE_MS: "1000", SOVREN_JOB_HEARTBEAT_MS: "1000" })).toThrow(/SOVREN_JOB_HEARTBEAT_MS/);
    expect(() => loadConfig({ SOVREN_JOB_MAX_ATTEMPTS: "0" })).toThrow(/SOVREN_JOB_MAX_ATTEMPTS/);
  });
});
