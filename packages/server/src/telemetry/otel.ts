// The OpenTelemetry implementation of Telemetry, loaded only when an OTLP
// endpoint is configured (telemetry.ts). A tracer provider, context manager
// and propagator of this server's own — none is registered globally, so
// several servers in one process (tests) keep their traces apart and a host
// application's own OpenTelemetry setup is left alone.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type TextMapGetter } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter as OtlpJsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OtlpProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
} from "@opentelemetry/sdk-trace-base";
import type { Attributes, OtlpConfig, SpanHandle, Telemetry } from "./telemetry.js";

const getter: TextMapGetter<Record<string, string | string[] | undefined>> = {
  get: (carrier, key) => carrier[key],
  keys: (carrier) => Object.keys(carrier),
};

function sampler(s: OtlpConfig["sampler"]): Sampler {
  const ratio = () => new TraceIdRatioBasedSampler(s.arg ?? 1);
  switch (s.name) {
    case "always_on": return new AlwaysOnSampler();
    case "always_off": return new AlwaysOffSampler();
    case "traceidratio": return ratio();
    case "parentbased_always_off": return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio": return new ParentBasedSampler({ root: ratio() });
    default: return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

function clean(a: Attributes | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(a ?? {})) if (v !== undefined) out[k] = v;
  return out;
}

class Handle implements SpanHandle {
  constructor(readonly span: Span) {}
  get traceId() {
    return this.span.spanContext().traceId;
  }
  get spanId() {
    return this.span.spanContext().spanId;
  }
  get traceparent() {
    const c = this.span.spanContext();
    return `00-${c.traceId}-${c.spanId}-${(c.traceFlags & 1).toString(16).padStart(2, "0")}`;
  }
  setAttributes(a: Attributes) {
    this.span.setAttributes(clean(a));
  }
  updateName(name: string) {
    this.span.updateName(name);
  }
  fail(err: unknown) {
    this.span.recordException(err instanceof Error ? err : String(err));
    this.span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
  }
  end() {
    this.span.end();
  }
}

export function createOtelTelemetry(config: OtlpConfig, version: string): Telemetry {
  const exporter =
    config.protocol === "http/json"
      ? new OtlpJsonExporter({ url: config.url, headers: config.headers })
      : new OtlpProtoExporter({ url: config.url, headers: config.headers });
  const provider = new BasicTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ ...config.resource, "service.name": config.serviceName, "service.version": version })),
    sampler: sampler(config.sampler),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: config.scheduleDelayMs })],
  });
  const tracer = provider.getTracer("@sovren/server", version);
  const contexts = new AsyncLocalStorageContextManager().enable();
  const propagator = new W3CTraceContextPropagator();

  const parentContext = (parent: string | undefined): Context | undefined => {
    const active = contexts.active();
    if (trace.getSpan(active)) return active;
    if (!parent) return undefined;
    return propagator.extract(ROOT_CONTEXT, { traceparent: parent }, getter);
  };

  return {
    enabled: true,
    serverSpan(name, headers, attributes) {
      const parent = propagator.extract(ROOT_CONTEXT, headers, getter);
      return new Handle(tracer.startSpan(name, { kind: SpanKind.SERVER, attributes: clean(attributes) }, parent));
    },
    run(span, fn) {
      return contexts.with(trace.setSpan(contexts.active(), (span as Handle).span), fn);
    },
    async span(name, options, fn) {
      const parent = parentContext(options.parent);
      if (!parent && options.requireParent) return fn(undefined);
      const kind = options.kind === "client" ? SpanKind.CLIENT : SpanKind.INTERNAL;
      const span = tracer.startSpan(name, { kind, attributes: clean(options.attributes) }, parent ?? ROOT_CONTEXT);
      const handle = new Handle(span);
      try {
        return await contexts.with(trace.setSpan(parent ?? ROOT_CONTEXT, span), () => fn(handle));
      } catch (err) {
        handle.fail(err);
        throw err;
      } finally {
        span.end();
      }
    },
    async shutdown() {
      await provider.shutdown().catch(() => {});
      contexts.disable();
    },
  };
}
