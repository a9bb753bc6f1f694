import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

  it("redacts credentials in URLs", () => {
    expect(redactUrl("https://a:b@x.test/v1?token=abc&pageSize=2&api_key=k")).toBe("https://***:***@x.test/v1?token=***&pageSize=2&api_key=***");
  });
});
