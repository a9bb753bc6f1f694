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
});
