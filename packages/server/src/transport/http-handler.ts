// The one request handler behind both HTTP versions: assigns the request id
// and trace context, answers CORS, serves /metrics, and sends RPC paths
// (`/<package>.<Service>/<Method>`) to connect-node — an RPC path no service
// implements gets UNIMPLEMENTED in the protocol the client spoke — and
// everything else to REST.
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { Http2ServerResponse } from "node:http2";
import { createContextValues } from "@connectrpc/connect";
import { toApiError } from "../domain/errors.js";
import { authorize } from "../auth/rbac.js";
import type { Pipeline } from "../handlers/dispatch.js";
import { traceContext } from "../observability/trace-context.js";
import { createConnectNodeHandler } from "./connect/node-adapter.js";
import { kRequestState, connectRoutes } from "./connect/routes.js";
import { answerUnimplemented } from "./connect/unimplemented.js";
import { applyCors } from "./cors.js";
import { getRequestState, setRequestState, toHeaders, type NodeRequest, type RequestState } from "./request-state.js";
import type { TraceContext } from "../observability/trace-context.js";
import { MAX_BODY_BYTES } from "./rest/read-body.js";
import { handleRest } from "./rest/rest-handler.js";
import { sendProblem } from "./rest/problem.js";

type NodeResponse = ServerResponse | Http2ServerResponse;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const RPC_PATH = /^\/[A-Za-z_]\w*(\.[A-Za-z_]\w*)+\/[A-Za-z_]\w*$/;

export function createHttpHandler(p: Pipeline) {
  const { svc } = p;
  const connect = createConnectNodeHandler({
    routes: connectRoutes(p),
    // Every field the OpenAPI schema lists as required is present (docs/wire-conventions.md).
    jsonOptions: { alwaysEmitImplicit: true, ignoreUnknownFields: false },
    readMaxBytes: MAX_BODY_BYTES,
    contextValues: (req) => createContextValues().set(kRequestState, getRequestState(req as NodeRequest)),
    onWriteError: (req, reason, clientGone) =>
      getRequestState(req as NodeRequest)?.log[clientGone ? "debug" : "error"]("could not write the RPC response", { error: String(reason) }),
  });
  const services = new Set(connect.paths.map((path) => path.split("/")[1]!));
  const accessLog = svc.config.logLevel === "debug";

  const telemetry = svc.telemetry?.enabled ? svc.telemetry : undefined;
  const handle = (req: NodeRequest, res: NodeResponse, trace: TraceContext, path: string) => {
    const started = performance.now();
    const incoming = req.headers["x-request-id"];
    const requestId = typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const isRpc = RPC_PATH.test(path);
    let log: RequestState["log"] | undefined;
    const state: RequestState = {
      requestId,
      trace,
      // Built on first use: most requests never log.
      get log() {
        return (log ??= svc.log.child({ requestId, traceId: trace.traceId }));
      },
      transport: isRpc ? "connect" : path.startsWith("/v1/") ? "rest" : "other",
      method: isRpc ? path.slice(1) : path,
    };
    setRequestState(req, state);
    res.setHeader("X-Request-Id", requestId);
    res.setHeader("traceparent", trace.traceparent);
    res.once("finish", () => {
      const seconds = (performance.now() - started) / 1000;
      const code = state.code ?? String(res.statusCode);
      svc.metrics.requests.inc({ transport: state.transport, method: state.method, code });
      svc.metrics.latency.observe({ transport: state.transport, method: state.method }, seconds);
      if (accessLog) state.log.debug("request", {
        method: req.method,
        path,
        status: res.statusCode,
        code: state.code,
        tenantId: state.tenantId,
        durationMs: Math.round(seconds * 1e4) / 10,
      });
    });
    if (applyCors(req, res, svc.config.corsOrigins)) return state;
    if (isRpc && connect(req, res)) return state;
    if (isRpc && answerUnimplemented(req, res, path, services)) {
      state.method = "unimplemented"; // not the path: unknown names must not become metric labels
      state.code = "unimplemented";
      return state;
    }
    if (path === "/.well-known/jwks.json" && (req.method === "GET" || req.method === "HEAD")) {
      // The server's public signing keys, open like /v1/health (docs/signatures.md).
      state.method = "jwks";
      res.writeHead(200, { "Content-Type": "application/jwk-set+json", "Cache-Control": "public, max-age=300" });
      res.end(req.method === "HEAD" ? "" : JSON.stringify(svc.keys.serverJwks()));
      return;
    }
    if (path === "/metrics") {
      void serveMetrics(p, req, res, state);
      return state;
    }
    void handleRest(p, req, res, state);
    return state;
  };

  if (!telemetry) {
    return (req: NodeRequest, res: NodeResponse) => {
      handle(req, res, traceContext(req.headers.traceparent as string | undefined), (req.url ?? "/").split("?")[0]!);
    };
  }
  // Tracing on (telemetry/): a SERVER span per request, continuing the
  // caller's traceparent; everything the request starts runs inside it.
  return (req: NodeRequest, res: NodeResponse) => {
    const path = (req.url ?? "/").split("?")[0]!;
    const span = telemetry.serverSpan(`${req.method} ${path}`, req.headers, { "http.request.method": req.method, "url.path": path });
    const parent = traceContext(req.headers.traceparent as string | undefined).parentSpanId;
    const trace: TraceContext = { traceId: span.traceId, spanId: span.spanId, traceparent: span.traceparent, ...(parent ? { parentSpanId: parent } : {}) };
    let state: RequestState | undefined;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      if (state) span.updateName(`${state.transport === "connect" ? "rpc" : req.method} ${state.method}`);
      span.setAttributes({ "http.response.status_code": res.statusCode, "sovren.code": state?.code, "sovren.tenant_id": state?.tenantId, "sovren.request_id": state?.requestId });
      if (res.statusCode >= 500) span.fail(new Error(state?.code ?? `HTTP ${res.statusCode}`));
      span.end();
    };
    res.once("finish", end);
    res.once("close", end);
    state = telemetry.run(span, () => handle(req, res, trace, path));
  };
}

/** Prometheus metrics; like every non-health path it needs a credential (admin). */
async function serveMetrics(p: Pipeline, req: NodeRequest, res: NodeResponse, state: RequestState) {
  try {
    const principal = await p.auth.authenticate(toHeaders(req.headers));
    authorize(principal, "admin");
    const body = await p.svc.metrics.registry.metrics();
    res.writeHead(200, { "Content-Type": p.svc.metrics.registry.contentType });
    res.end(body);
  } catch (err) {
    const e = toApiError(err);
    state.code = e.code;
    sendProblem(res, e, state.requestId, "/metrics");
  }
}
