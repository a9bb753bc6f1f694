// Tracing, behind an interface of our own so that the default server never
// loads OpenTelemetry: only when an OTLP endpoint is configured (the standard
// OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) does
// startTelemetry import ./otel.js and with it the SDK and exporter. With
// nothing set, `NO_TELEMETRY` is used: no span objects, no context manager,
// no exporter, and the request path is the one it always was.
import { ConfigError } from "../config.js";
import type { Logger } from "../observability/logger.js";

export type Attributes = Record<string, string | number | boolean | undefined>;

export interface SpanHandle {
  readonly traceId: string;
  readonly spanId: string;
  /** This span as a W3C traceparent, to pass on to the next hop. */
  readonly traceparent: string;
  setAttributes(a: Attributes): void;
  updateName(name: string): void;
  /** Marks the span failed. */
  fail(err: unknown): void;
  end(): void;
}

export interface SpanOptions {
  kind?: "client" | "internal";
  attributes?: Attributes;
  /** A W3C traceparent to parent the span on when no span is active (work resumed outside a request). */
  parent?: string;
  /** Only record the span inside a traced request or run (no root spans for background housekeeping). */
  requireParent?: boolean;
}

export interface Telemetry {
  readonly enabled: boolean;
  /** A SERVER span continuing the caller's trace context (traceparent/tracestate headers); not active until `run`. */
  serverSpan(name: string, headers: Record<string, string | string[] | undefined>, attributes?: Attributes): SpanHandle;
  /** Runs fn with `span` as the active span (what later child spans and async work inherit). */
  run<T>(span: SpanHandle, fn: () => T): T;
  /** Runs fn in a child span of the active one; ends it when fn settles, failed if fn rejects. */
  span<T>(name: string, options: SpanOptions, fn: (span: SpanHandle | undefined) => Promise<T>): Promise<T>;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

export const NO_TELEMETRY: Telemetry = {
  enabled: false,
  serverSpan: () => {
    throw new Error("telemetry is disabled");
  },
  run: (_span, fn) => fn(),
  span: (_name, _options, fn) => fn(undefined),
  shutdown: async () => {},
};

export interface OtlpConfig {
  /** The full traces URL (…/v1/traces). */
  url: string;
  protocol: "http/protobuf" | "http/json";
  headers: Record<string, string>;
  serviceName: string;
  /** OTEL_RESOURCE_ATTRIBUTES, parsed. */
  resource: Record<string, string>;
  sampler: { name: string; arg?: number };
  /** Batch span processor delay (OTEL_BSP_SCHEDULE_DELAY). */
  scheduleDelayMs: number;
}

/** The standard OpenTelemetry variables; undefined when no trace exporter is configured. */
export function otlpConfig(env: NodeJS.ProcessEnv): OtlpConfig | undefined {
  const v = (k: string) => (env[k] ?? "").trim() || undefined;
  if (v("OTEL_SDK_DISABLED")?.toLowerCase() === "true") return undefined;
  const exporters = (v("OTEL_TRACES_EXPORTER") ?? "otlp").split(",").map((s) => s.trim().toLowerCase());
  if (exporters.includes("none")) return undefined;
  const problems: string[] = [];
  if (exporters.some((e) => e !== "otlp")) problems.push("OTEL_TRACES_EXPORTER: only otlp (or none) is supported");
  const tracesEndpoint = v("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  const base = v("OTEL_EXPORTER_OTLP_ENDPOINT");
  if (!tracesEndpoint && !base) return undefined;
  const url = tracesEndpoint ?? `${base!.replace(/\/+$/, "")}/v1/traces`;
  if (!/^https?:\/\//.test(url)) problems.push(`${tracesEndpoint ? "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" : "OTEL_EXPORTER_OTLP_ENDPOINT"}: must be an http:// or https:// URL`);
  const protocolVar = v("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") ? "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL" : "OTEL_EXPORTER_OTLP_PROTOCOL";
  const protocol = v(protocolVar) ?? "http/protobuf";
  if (protocol !== "http/protobuf" && protocol !== "http/json") {
    problems.push(`${protocolVar}: ${protocol} is not supported; use http/protobuf (the default) or http/json`);
  }
  const sampler = (v("OTEL_TRACES_SAMPLER") ?? "parentbased_always_on").toLowerCase();
  const samplerArg = v("OTEL_TRACES_SAMPLER_ARG");
  const known = ["always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio"];
  if (!known.includes(sampler)) problems.push(`OTEL_TRACES_SAMPLER: one of ${known.join(", ")}`);
  const ratio = samplerArg === undefined ? undefined : Number(samplerArg);
  if (ratio !== undefined && !(ratio >= 0 && ratio <= 1)) problems.push("OTEL_TRACES_SAMPLER_ARG: a ratio between 0 and 1");
  const delay = Number(v("OTEL_BSP_SCHEDULE_DELAY") ?? 5000);
  if (!Number.isFinite(delay) || delay < 0) problems.push("OTEL_BSP_SCHEDULE_DELAY: milliseconds, ≥ 0");
  if (problems.length) throw new ConfigError(`invalid configuration:\n  ${problems.join("\n  ")}`);
  const resource = keyValues(v("OTEL_RESOURCE_ATTRIBUTES"));
  return {
    url,
    protocol: protocol as OtlpConfig["protocol"],
    headers: { ...keyValues(v("OTEL_EXPORTER_OTLP_HEADERS")), ...keyValues(v("OTEL_EXPORTER_OTLP_TRACES_HEADERS")) },
    serviceName: v("OTEL_SERVICE_NAME") ?? resource["service.name"] ?? "sovren-server",
    resource,
    sampler: { name: sampler, ...(ratio !== undefined ? { arg: ratio } : {}) },
    scheduleDelayMs: delay,
  };
}

/** `k1=v1,k2=v2` with percent-encoded values (the W3C Baggage-like format the OTel spec uses). */
function keyValues(s: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (s ?? "").split(",")) {
    const i = part.indexOf("=");
    if (i <= 0) continue;
    try {
      out[decodeURIComponent(part.slice(0, i).trim())] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      // a malformed pair is skipped, as the SDKs do
    }
  }
  return out;
}

/** NO_TELEMETRY unless an OTLP trace endpoint is configured; then the OpenTelemetry SDK, loaded now. */
export async function startTelemetry(env: NodeJS.ProcessEnv, log: Logger, version: string): Promise<Telemetry> {
  const config = otlpConfig(env);
  if (!config) return NO_TELEMETRY;
  const { createOtelTelemetry } = await import("./otel.js");
  const telemetry = createOtelTelemetry(config, version);
  log.info("tracing: exporting spans over OTLP", { url: config.url, protocol: config.protocol, service: config.serviceName });
  return telemetry;
}
