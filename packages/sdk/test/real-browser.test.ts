// The browser path in a real browser: a page whose script bundles the SDK's
// main entry (esbuild, platform=browser) talks to the real reference server
// (@sovren/server, embedded PGlite) from another origin (so CORS is real), over
// REST, Connect-Web and gRPC-Web, in Debian's headless Chromium driven by
// playwright-core. Skipped when Chromium is missing, unless
// SOVREN_REQUIRE_BROWSER=1 (CI), when that is a failure.
import { build } from "esbuild";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScenarioInput, ScenarioResult } from "./browser/page.js";

const CHROMIUM = process.env["SOVREN_CHROMIUM"] ?? "/usr/bin/chromium";
const required = process.env["SOVREN_REQUIRE_BROWSER"] === "1";
const available = existsSync(CHROMIUM);
if (!available && !required) {
  console.warn(`real-browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set SOVREN_CHROMIUM; SOVREN_REQUIRE_BROWSER=1 makes this a failure)`);
}

const ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

describe.skipIf(!available && !required)("the SDK in headless Chromium against the real server", () => {
  let api: { url: string; close(): Promise<void> } | undefined;
  let site: Server | undefined;
  let siteUrl = "";
  let browser: Browser | undefined;
  let page: Page | undefined;
  let token = "";
  const logs: string[] = [];

  beforeAll(async () => {
    if (!available) throw new Error(`SOVREN_REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM}`);
    const { startServer, mintToken, DEV_JWT_SECRET } = await import("@sovren/server");
    api = await startServer({ port: 0, host: "127.0.0.1", env: { SOVREN_LOG_LEVEL: "silent", SOVREN_CORS_ORIGINS: "*" } });
    token = await mintToken({ secret: DEV_JWT_SECRET, audience: "sovren", tenantId: "browser", roles: ["admin"], ttlSeconds: 1800 });

    const bundle = await build({
      entryPoints: [fileURLToPath(new URL("./browser/page.ts", import.meta.url))],
      bundle: true,
      minify: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      write: false,
      logLevel: "silent",
    });
    const script = bundle.outputFiles[0]!.text;
    const html = '<!doctype html><meta charset="utf-8"><title>sovren sdk</title><script type="module" src="/page.js"></script>';
    site = createServer((req, res) => {
      if (req.url === "/page.js") res.writeHead(200, { "content-type": "text/javascript" }).end(script);
      else if (req.url === "/") res.writeHead(200, { "content-type": "text/html" }).end(html);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => site!.listen(0, "127.0.0.1", resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;

    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60_000 });
    page = await browser.newPage();
    page.on("console", (m) => logs.push(`console.${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
    await page.goto(siteUrl);
    await page.waitForFunction(() => typeof (globalThis as { runScenario?: unknown }).runScenario === "function", undefined, { timeout: 30_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (site ? site.close(resolve) : resolve(undefined)));
    await api?.close();
  });

  const run = (transport: ScenarioInput["transport"]) =>
    page!.evaluate(
      (input: ScenarioInput) => (globalThis as unknown as { runScenario(i: ScenarioInput): Promise<ScenarioResult> }).runScenario(input),
      { baseUrl: api!.url, token, transport },
    );

  it.each(["rest", "connect", "grpc-web"] as const)("commissions, lists, simulates and waits over %s", async (transport) => {
    let result: ScenarioResult;
    try {
      result = await run(transport);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${logs.join("\n")}`);
    }
    expect(new URL(siteUrl).origin).not.toBe(new URL(api!.url).origin);
    expect(result.userAgent).toMatch(/HeadlessChrome|Chrome/);
    expect(result.commissioned).toMatchObject({ name: expect.stringMatching(`^Browser ${transport} `), state: "EXECUTIVE_STATE_ACTIVE" });
    expect(result.commissioned.requestId).toEqual(expect.any(String));
    expect(result.listed).toBe(true);
    expect(result.got).toBe(result.commissioned.name);
    expect(result.operation).toMatchObject({ state: "OPERATION_STATE_SUCCEEDED", done: true, trials: 2000 });
    expect(result.operation.seenStates.at(-1)).toBe("OPERATION_STATE_SUCCEEDED");
    expect(result.watched).toEqual(["OPERATION_STATE_SUCCEEDED"]);
    expect(result.notFound).toEqual({ name: "NotFoundError", status: 404, code: "not_found" });
  }, 60_000);
});
