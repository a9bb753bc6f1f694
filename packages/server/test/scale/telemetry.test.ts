// OpenTelemetry (issue 14): with an OTLP endpoint configured, one SDK call
// becomes one trace — the caller's span → the server's request span → its
// database spans → the inference run — received by an OTLP/HTTP JSON
// receiver of the test's own. Without the variables no exporter runs.
import { Sovren } from "@sovren/sdk";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_JWT_SECRET, mintToken, startServer, type RunningServer } from "../../src/index.js";
import { otlpConfig } from "../../src/telemetry/telemetry.js";
import { startOtlpReceiver, spanTree, type OtlpReceiver } from "../../../inference/test/e2e/otlp-receiver.js";

describe("OpenTelemetry over OTLP/HTTP", () => {
  let receiver: OtlpReceiver;
  let server: RunningServer;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    server = await startServer({
      env: {
        SOVREN_LOG_LEVEL: "silent",
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_BSP_SCHEDULE_DELAY: "100",
        OTEL_SERVICE_NAME: "sovren-test",
      },
      port: 0,
      host: "127.0.0.1",
      rateLimitRps: 100_000,
      rateLimitBurst: 100_000,
    });
  }, 240_000); // PGlite boots in WebAssembly: slow on a busy 2-core machine
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  }, 120_000);

  it("exports one trace from an SDK call through the server to the embedded backend", { timeout: 120_000 }, async () => {
    const token = await mintToken({ secret: DEV_JWT_SECRET, audience: "sovren", tenantId: "otel", roles: ["admin"], ttlSeconds: 600, subject: "u" });
    const client = new Sovren({ baseUrl: server.url, token, maxRetries: 0, logLevel: "off" });
    const traceId = randomBytes(16).toString("hex");
    const callerSpan = randomBytes(8).toString("hex");
    const traceparent = `00-${traceId}-${callerSpan}-01`;
    const op = await client.simulations.run({ userId: "u-1", scenario: "Enter APAC in Q3", trials: 2000, seed: 7 }, { headers: { traceparent } });
    const done = await client.operations.wait(op.operationId, { pollInterval: 50 });
    expect(done.state).toBe("OPERATION_STATE_SUCCEEDED");

    const spans = await receiver.waitFor((all) => all.some((s) => s.traceId === traceId && s.name === "embedded simulate"));
    const trace = spans.filter((s) => s.traceId === traceId);
    console.log(`[otel] trace ${traceId}:\n${spanTree(spans, traceId).join("\n")}`);
    const request = trace.find((s) => s.kind === 2 && s.parentSpanId === callerSpan);
    expect(request, "the server span continues the caller's span").toBeDefined();
    expect(request!.service).toBe("sovren-test");
    expect(request!.name).toMatch(/runSimulation|RunSimulation|simulations:run/i);
    expect(request!.attributes["http.response.status_code"]).toBeGreaterThanOrEqual(200);
    const run = trace.find((s) => s.name === "embedded simulate")!;
    expect(run.attributes["sovren.operation_id"]).toBe(op.operationId);
    // The run descends from the request span (it was started by it).
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const ancestors = (s: { parentSpanId: string }): string[] => (byId.has(s.parentSpanId) ? [s.parentSpanId, ...ancestors(byId.get(s.parentSpanId)!)] : [s.parentSpanId]);
    expect(ancestors(run)).toContain(request!.spanId);
    const db = trace.filter((s) => s.attributes["db.system.name"] === "postgresql");
    expect(db.length).toBeGreaterThan(0);
    expect(db.every((s) => s.kind === 3)).toBe(true);
    // Statements are recorded by their SQL only: never the parameters.
    expect(JSON.stringify(db)).not.toContain("Enter APAC in Q3");
  });

  it("continues the caller's trace id in the traceparent it answers with", { timeout: 60_000 }, async () => {
    const traceId = randomBytes(16).toString("hex");
    const res = await fetch(`${server.url}/v1/health`, { headers: { traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01` } });
    expect(res.headers.get("traceparent")).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    const answered = res.headers.get("traceparent")!.split("-")[2];
    await receiver.waitFor((all) => all.some((s) => s.spanId === answered && s.kind === 2));
  });
});

describe("OpenTelemetry configuration", () => {
  it("runs no exporter unless an endpoint is set, and honours the standard off switches", () => {
    expect(otlpConfig({})).toBeUndefined();
    expect(otlpConfig({ OTEL_SERVICE_NAME: "x" })).toBeUndefined();
    expect(otlpConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_SDK_DISABLED: "true" })).toBeUndefined();
    expect(otlpConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_TRACES_EXPORTER: "none" })).toBeUndefined();
    expect(otlpConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/" })).toMatchObject({ url: "http://c:4318/v1/traces", protocol: "http/protobuf" });
    expect(otlpConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:4318/custom", OTEL_EXPORTER_OTLP_HEADERS: "api-key=a%20b" })).toMatchObject({
      url: "http://c:4318/custom",
      headers: { "api-key": "a b" },
    });
  });

  it("refuses what it cannot do with a message naming the variable", () => {
    expect(() => otlpConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4317", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL/);
    expect(() => otlpConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "c:4318" })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });
});
