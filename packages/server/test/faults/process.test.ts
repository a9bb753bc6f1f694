// The process harness itself: the built CLI starts, serves, and exits 0 on SIGTERM.
import { describe, expect, it } from "vitest";
import { spawnServer } from "../support/server-process.js";

describe("server process", () => {
  it("starts on embedded defaults and exits 0 on SIGTERM", async () => {
    const server = await spawnServer();
    const res = await fetch(`${server.url}/v1/health`);
    expect(res.status).toBe(200);
    server.kill("SIGTERM");
    const { code } = await server.exited;
    expect(code).toBe(0);
    expect(server.errorLines()).toEqual([]);
  });
});
