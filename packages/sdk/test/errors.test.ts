import { describe, expect, it } from "vitest";
import { APIConnectionError, APIConnectionTimeoutError, APIError, NotFoundError, SovrenError } from "../src/index.js";
import { Sovren } from "../src/index.js";

describe("errors", () => {
  it("have stable names and is() checks that work without instanceof", () => {
    const err = new NotFoundError("gone", { status: 404, code: "not_found" });
    expect(err.name).toBe("NotFoundError");
    // A copy of the error from another instance of the package: same marker, other prototype.
    const foreign = Object.assign(Object.create(Error.prototype), err);
    for (const sym of Object.getOwnPropertySymbols(err)) Object.defineProperty(foreign, sym, { value: (err as never)[sym] });
    expect(foreign instanceof NotFoundError).toBe(false);
    expect(NotFoundError.is(foreign)).toBe(true);
    expect(APIError.is(foreign)).toBe(true);
    expect(SovrenError.is(foreign)).toBe(true);
    expect(APIConnectionError.is(foreign)).toBe(false);
    expect(APIConnectionError.is(new APIConnectionTimeoutError())).toBe(true);
  });

  it("reports an unreachable server as APIConnectionError on REST and Connect", async () => {
    for (const transport of ["rest", "connect"] as const) {
      const client = new Sovren({ baseUrl: "http://127.0.0.1:9", transport, maxRetries: 0, logLevel: "off" });
      const err = await client.health.check().catch((e: unknown) => e);
      expect(err, transport).toBeInstanceOf(APIConnectionError);
    }
  });

  it("asks for @sovren/sdk/node for gRPC in the main entry", () => {
    expect(() => new Sovren({ transport: "grpc" })).toThrow(/@sovren\/sdk\/node/);
  });
});
