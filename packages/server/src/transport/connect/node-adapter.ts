// connect-node's adapter, with one correction: connect-es answers a request
// whose binary protobuf cannot be parsed with `internal` (HTTP 500), while a
// malformed JSON request gets `invalid_argument`. Bad input must never look
// like a server fault (clients retry 5xx), so such answers are rewritten to
// `invalid_argument` for the Connect unary and gRPC protocols.
// A response that cannot be written because the client went away
// (ERR_HTTP2_INVALID_STREAM, ECONNRESET, …) is reported to `onWriteError` as
// such, so the caller logs it at debug level, not as a server fault.
import { Code, ConnectError, createConnectRouter, type ConnectRouter, type ContextValues } from "@connectrpc/connect";
import type { UniversalServerResponse } from "@connectrpc/connect/protocol";
import { isClientGone } from "../client-gone.js";
import { grpcMessage } from "./unimplemented.js";
import {
  compressionBrotli,
  compressionGzip,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
  type ConnectNodeAdapterOptions,
} from "@connectrpc/connect-node";

const PARSE_BINARY = "parse binary";

async function* fixGrpcTrailer(body: AsyncIterable<Uint8Array>, trailer: Headers) {
  yield* body;
  fixGrpcStatus(trailer);
}

function fixGrpcStatus(h: Headers | undefined) {
  if (h?.get("grpc-status") === String(Code.Internal) && decodeURIComponent(h.get("grpc-message") ?? "").startsWith(PARSE_BINARY)) {
    h.set("grpc-status", String(Code.InvalidArgument));
  }
  // connect-es percent-encodes grpc-message like a URI component (": " → "%3A%20"); the gRPC
  // spec encodes only bytes outside printable ASCII and '%', and some clients (grpc-js)
  // decode no more than that. Re-encode to the spec's minimal form.
  const message = h?.get("grpc-message");
  if (message) {
    try {
      h!.set("grpc-message", grpcMessage(decodeURIComponent(message)));
    } catch {
      // Not valid percent-encoding: leave it as it is.
    }
  }
}

async function fixConnectUnary(res: UniversalServerResponse): Promise<UniversalServerResponse> {
  const chunks: Uint8Array[] = [];
  for await (const c of res.body ?? []) chunks.push(c);
  const bytes = Buffer.concat(chunks);
  try {
    const err = JSON.parse(bytes.toString("utf8")) as { code?: string; message?: string };
    if (err.code === "internal" && err.message?.startsWith(PARSE_BINARY)) {
      const fixed = Buffer.from(JSON.stringify({ ...err, code: "invalid_argument" }));
      res.header?.set("content-length", String(fixed.length));
      return { ...res, status: 400, body: (async function* () { yield fixed; })() };
    }
  } catch {
    // Not a JSON error body: pass it on unchanged.
  }
  return { ...res, body: (async function* () { yield bytes; })() };
}

export function createConnectNodeHandler(
  options: Omit<ConnectNodeAdapterOptions, "routes" | "fallback" | "requestPathPrefix"> & {
    routes: (router: ConnectRouter) => void;
    contextValues: (req: never) => ContextValues;
    onWriteError?: (req: never, reason: unknown, clientGone: boolean) => void;
  },
) {
  const router = createConnectRouter({ acceptCompression: [compressionGzip, compressionBrotli], ...options });
  options.routes(router);
  const paths = new Map(router.handlers.map((h) => [h.requestPath, h]));
  return Object.assign((req: any, res: any): boolean => {
    const handler = paths.get((req.url ?? "").split("?", 2)[0]);
    if (!handler) return false;
    const uReq = universalRequestFromNodeRequest(req, res, undefined, options.contextValues(req as never));
    handler(uReq)
      .then(async (uRes) => {
        fixGrpcStatus(uRes.header);
        if (uRes.status === 500) uRes = await fixConnectUnary(uRes);
        else if (uRes.trailer && uRes.body) uRes = { ...uRes, body: fixGrpcTrailer(uRes.body, uRes.trailer) };
        await universalResponseToNodeResponse(uRes, res);
      })
      .catch((reason) => {
        const gone = isClientGone(reason) || Boolean(res.destroyed || res.stream?.destroyed || req.aborted);
        options.onWriteError?.(req as never, reason, gone);
        if (ConnectError.from(reason).code === Code.Aborted) return;
        res.destroy?.();
      });
    return true;
  }, { paths: [...paths.keys()] });
}
