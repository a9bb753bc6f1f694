import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SovrenError } from "../src/index.js";
import { Sovren as RestSovren } from "../src/rest.js";
import { bundleSize } from "./support/bundle-size.js";

const src = fileURLToPath(new URL("../src/", import.meta.url));
const NODE_BUILTINS = /from\s*"node:|require\("(node:)?(http2?|net|tls|zlib)"\)/;

// Budgets (min+gzip bytes) a little above today's sizes from the workspace
// sources (README, "Bundle size"; test/package.test.ts checks the packed
// tarballs as a fresh app installs them): a regression shows up here.
// eager: what loads with the import; all: with Connect and the validators.
// Raised on 2026-11-23 for issue 13's three services (audit, subjects, keys) and
// RunSimulation's wait: measured 11,329 / 63,687 (index) and 10,452 / 22,051 (rest).
const BUDGET = { index: { eager: 11_800, all: 66_000 }, rest: { eager: 10_900, all: 23_000 } };

describe("browser bundle", () => {
  it("bundles the main entry for the browser with no Node built-ins, Connect and validators split off", async () => {
    const size = await bundleSize("./index.ts", src);
    expect(size.code).not.toMatch(NODE_BUILTINS);
    expect(size.eagerInputs.filter((i) => /@connectrpc|@bufbuild|contracts\/dist\/(proto|grpc|zod)|node_modules\/.*zod\//.test(i))).toEqual([]);
    expect(size.eager).toBeLessThan(BUDGET.index.eager);
    expect(size.all).toBeLessThan(BUDGET.index.all);
  }, 60_000);

  it("bundles the REST entry with neither Connect nor protobuf, validators split off", async () => {
    const size = await bundleSize("./rest.ts", src);
    expect(size.code).not.toMatch(NODE_BUILTINS);
    expect(size.eagerInputs.filter((i) => /@connectrpc|@bufbuild|contracts\/dist\/(proto|grpc|zod)|node_modules\/.*zod\//.test(i))).toEqual([]);
    expect(size.eager).toBeLessThan(BUDGET.rest.eager);
    expect(size.all).toBeLessThan(BUDGET.rest.all);
  }, 60_000);

  it("the REST entry refuses other transports, pointing to the main entry", () => {
    expect(() => new RestSovren({ transport: "connect" as "rest" })).toThrow(SovrenError);
    expect(() => new RestSovren({ transport: "grpc-web" as "rest" })).toThrow(/REST only, not "grpc-web".*@sovren\/sdk"/);
  });
});
