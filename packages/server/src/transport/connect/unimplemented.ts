// The answer to an RPC-shaped path (`/pkg.Service/Method`) that no service
// implements, in the protocol the client spoke: gRPC and gRPC-Web get status
// UNIMPLEMENTED (12) in a trailers-only response, Connect gets the error
// `unimplemented` (HTTP 404 for unary, an end-of-stream message for
// streaming). Anything else is not an RPC and is left to REST (a
// problem+json 404). Messages follow grpc-go's wording.
import type { OutgoingHttpHeaders } from "node:http";
import type { ServerHttp2Stream } from "node:http2";
import type { NodeRequest } from "../request-state.js";

/** gRPC's percent-encoding of grpc-message: printable ASCII except '%' passes through. */
export function grpcMessage(text: string): string {
  return Array.from(Buffer.from(text, "utf8"), (b) =>
    b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, "0")}`,
  ).join("");
}

/** Answers and returns true when the request speaks gRPC, gRPC-Web or Connect; false otherwise. */
export function answerUnimplemented(
  req: NodeRequest,
  res: {
    writeHead(status: number, headers: Record<string, string>): unknown;
    end(body?: Uint8Array | string): unknown;
    getHeaders(): OutgoingHttpHeaders;
    stream?: ServerHttp2Stream;
  },
  path: string,
  knownServices: ReadonlySet<string>,
): boolean {
  const [service = "", method = ""] = path.slice(1).split("/");
  const message = knownServices.has(service) ? `unknown method ${method} for service ${service}` : `unknown service ${service}`;
  const type = String(req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type.startsWith("application/grpc")) {
    const headers = { "content-type": type, "grpc-status": "12", "grpc-message": grpcMessage(message) };
    if (res.stream && !type.startsWith("application/grpc-web")) {
      // Trailers-only: one HEADERS frame that ends the stream (gRPC over HTTP/2).
      res.stream.respond({ ...res.getHeaders(), ...headers, ":status": 200 }, { endStream: true });
    } else {
      res.writeHead(200, headers);
      res.end();
    }
    return true;
  }
  const error = { code: "unimplemented", message };
  if (type.startsWith("application/connect+")) {
    const body = Buffer.from(JSON.stringify({ error }));
    const frame = Buffer.alloc(5 + body.length);
    frame[0] = 0b10; // end-of-stream
    frame.writeUInt32BE(body.length, 1);
    body.copy(frame, 5);
    res.writeHead(200, { "content-type": type });
    res.end(frame);
    return true;
  }
  const connectGet = req.method === "GET" && /[?&]connect=v1(&|$)/.test(req.url ?? "");
  const connectUnary = req.method === "POST" && /^application\/(proto|json)$/.test(type);
  if (connectGet || connectUnary) {
    const body = JSON.stringify(error);
    res.writeHead(404, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) });
    res.end(body);
    return true;
  }
  return false;
}
