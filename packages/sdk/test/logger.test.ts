import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { redactUrl } from "../src/core/logger.js";
import { Sovren, type Logger } from "../src/index.js";
import { MockSovrenBackend, createSovrenHandlers } from "../src/testing.js";

const backend = new MockSovrenBackend();
const msw = setupServer(...createSovrenHandlers({ backend, baseUrl: "http://log.test" }));
beforeAll(() => msw.listen());
afterAll(() => msw.close());

function capture(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const push = (...args: unknown[]) => void lines.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
  return { logger: { debug: push, info: push, warn: push, error: push }, lines };
}

describe("logging", () => {
  it("never logs API keys or tokens, at any level", async () => {
    for (const creds of [{ apiKey: "sk-secret-key-123" }, { token: "eyJ.secret.token" }, { getToken: () => "eyJ.provided.token" }]) {
      const { logger, lines } = capture();
      backend.reset().failNext("checkHealth", { code: "unavailable" });
      const client = new Sovren({ baseUrl: "http://log.test", ...creds, logger, logLevel: "debug" });
      await client.health.check().catch(() => {});
      await client.executives.commission({ name: "Aurora", role: "CSO" });
      // fetch refuses URLs with userinfo: the error must not quote it either.
      const err = (await new Sovren({ baseUrl: "http://user:pw@log.test", ...creds, logger, logLevel: "debug", maxRetries: 0 })
        .health.check()
        .catch((e: unknown) => e)) as Error;
      lines.push(err.message);
      const text = lines.join("\n");
      expect(lines.length).toBeGreaterThan(3);
      expect(text).toContain("***");
      for (const secret of ["sk-secret-key-123", "eyJ.secret.token", "eyJ.provided.token", "user:pw"]) expect(text).not.toContain(secret);
    }
  });

  it("is quiet at the default level and honours off", async () => {
    const { logger, lines } = capture();
    await new Sovren({ baseUrl: "http://log.test", logger }).health.check();
    await new Sovren({ baseUrl: "http://log.test", logger, logLevel: "off" }).health.check();
    expect(lines).toEqual([]);
  });

  it("logs each retry at the default level (info), with attempt, delay and cause, credentials redacted", async () => {
    const { logger, lines } = capture();
    const infos: unknown[][] = [];
    backend.reset().failNext("checkHealth", { code: "unavailable", message: "overloaded sk-secret-key-123", times: 2, headers: { "retry-after-ms": "5" } });
    const client = new Sovren({ baseUrl: "http://log.test", apiKey: "sk-secret-key-123", logger: { ...logger, info: (...a) => void infos.push(a) } });
    await client.health.check();
    expect(lines).toEqual([]);
    expect(infos).toHaveLength(2);
    const [message, facts] = infos[0] as [string, Record<string, unknown>];
    expect(message).toMatch(/^\[sovren\] checkHealth: attempt 1 of 3 failed \(InternalServerError: 503 unavailable: overloaded \*\*\*\); retrying in 5 ms$/);
    expect(facts).toMatchObject({ attempt: 1, maxRetries: 2, delayMs: 5, error: "InternalServerError", status: 503, code: "unavailable" });
    expect((infos[1] as [string])[0]).toContain("attempt 2 of 3 failed");
    expect(JSON.stringify(infos)).not.toContain("sk-secret-key-123");
  });

  it("reads SOVREN_TOKEN, then SOVREN_API_KEY, unless the options name a credential", async () => {
    const headersOf = async (options: ConstructorParameters<typeof Sovren>[0]) => {
      backend.reset();
      await new Sovren({ baseUrl: "http://log.test", logLevel: "off", ...options }).executives.list();
      const h = backend.callsTo("listExecutives")[0]!.headers;
      return { authorization: h.get("authorization"), apiKey: h.get("x-api-key") };
    };
    vi.stubEnv("SOVREN_TOKEN", "env-token");
    vi.stubEnv("SOVREN_API_KEY", "env-key");
    try {
      expect(await headersOf({})).toEqual({ authorization: "Bearer env-token", apiKey: null });
      expect(await headersOf({ apiKey: "mine" })).toEqual({ authorization: null, apiKey: "mine" });
      expect(await headersOf({ token: "mine" })).toEqual({ authorization: "Bearer mine", apiKey: null });
      vi.stubEnv("SOVREN_TOKEN", "");
      expect(await headersOf({})).toEqual({ authorization: null, apiKey: "env-key" });
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("redacts credentials in URLs", () => {
    expect(redactUrl("https://a:b@x.test/v1?token=abc&pageSize=2&api_key=k")).toBe("https://***:***@x.test/v1?token=***&pageSize=2&api_key=***");
  });
});
