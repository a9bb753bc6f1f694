import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { SovrenError } from "../src/index.js";
import { Sovren as RestSovren } from "../src/rest.js";

/** Bundles an entry as a browser app would (esbuild, minified ESM), with its min+gzip size and inputs. */
async function bundle(entry: string) {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(`../src/${entry}.ts`, import.meta.url))],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  expect(result.errors).toEqual([]);
  const code = result.outputFiles[0]!.text;
  return { code, gzip: gzipSync(code, { level: 9 }).length, inputs: Object.keys(result.metafile.inputs) };
}

// Budgets a little above today's sizes (README, "Bundle size"): a regression
// shows up here, not in someone's app.
// index: +2 KB for the three services of issue 13 (audit, subjects, keys), whose
// descriptors and validators the full client carries (80,249 bytes measured).
const BUDGET = { index: 82_000, rest: 42_000 };

describe("browser bundle", () => {
  it("bundles the main entry for the browser with no Node built-ins", async () => {
    const { code, gzip } = await bundle("index");
    expect(code).not.toMatch(/from\s*"node:|require\("(node:)?(http2?|net|tls|zlib)"\)/);
    expect(gzip).toBeLessThan(BUDGET.index);
  }, 60_000);

  it("bundles the REST entry with neither Connect nor protobuf", async () => {
    const { code, gzip, inputs } = await bundle("rest");
    expect(code).not.toMatch(/from\s*"node:|require\("(node:)?(http2?|net|tls|zlib)"\)/);
    expect(inputs.filter((i) => /@connectrpc|@bufbuild|contracts\/dist\/proto/.test(i))).toEqual([]);
    expect(gzip).toBeLessThan(BUDGET.rest);
  }, 60_000);

  it("the REST entry refuses other transports, pointing to the main entry", () => {
    expect(() => new RestSovren({ transport: "connect" as "rest" })).toThrow(SovrenError);
    expect(() => new RestSovren({ transport: "grpc-web" as "rest" })).toThrow(/REST only, not "grpc-web".*@sovren\/sdk"/);
  });
});
