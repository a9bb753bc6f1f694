// One port for HTTP/1.1 and cleartext HTTP/2 (h2c, which gRPC needs): a raw
// TCP server peeks at each connection's first bytes and hands the socket to
// the HTTP/2 server when they are the HTTP/2 connection preface, otherwise to
// the HTTP/1.1 server. Both run the same request handler.
//
// Every connection is bounded in time: the first bytes (enough to tell the
// protocols apart), HTTP/1.1 headers and request, idle keep-alive
// connections and idle HTTP/2 sessions. Errors Node's HTTP/1.1 parser
// answers itself (oversized headers, malformed requests, timeouts) get the
// API's problem+json format. close() drains: stop accepting, let in-flight
// requests finish (HTTP/1.1 answers carry `Connection: close`, HTTP/2
// sessions get GOAWAY), then cut what is left after the drain timeout.
import { randomUUID } from "node:crypto";
import http, { STATUS_CODES } from "node:http";
import http2 from "node:http2";
import net from "node:net";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

type Handler = (req: any, res: any) => void;

export interface ListenTimeouts {
  firstByteMs: number;
  headersMs: number;
  requestMs: number;
  idleMs: number;
}

export interface Listening {
  port: number;
  /**
   * Drains: answers close their connections from now on; after `delayMs` it
   * stops accepting; connections still open `drainMs` later are destroyed.
   */
  close(drainMs?: number, delayMs?: number): Promise<{ drained: boolean }>;
}

const DEFAULT_TIMEOUTS: ListenTimeouts = { firstByteMs: 10_000, headersMs: 20_000, requestMs: 60_000, idleMs: 65_000 };

/** What a parser error means for the client (Node error codes, llhttp's HPE_*). */
function clientErrorStatus(err: NodeJS.ErrnoException): number {
  if (err.code === "HPE_HEADER_OVERFLOW") return 431;
  if (err.code === "ERR_HTTP_REQUEST_TIMEOUT" || err.code === "ERR_HTTP_HEADERS_TIMEOUT") return 408;
  return 400;
}

function rawProblem(status: number, detail: string): string {
  const requestId = randomUUID();
  const body = JSON.stringify({
    type: "about:blank",
    title: STATUS_CODES[status] ?? "Error",
    status,
    detail,
    code: status === 408 ? "deadline_exceeded" : status === 431 ? "resource_exhausted" : "invalid_argument",
    requestId,
  });
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\n` +
    "Content-Type: application/problem+json\r\n" +
    `X-Request-Id: ${requestId}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    "Connection: close\r\n\r\n" +
    body
  );
}

export async function listen(
  handler: Handler,
  port: number,
  host: string,
  timeouts: ListenTimeouts = DEFAULT_TIMEOUTS,
): Promise<Listening> {
  let draining = false;
  // HTTP/1.1 responses not yet sent: told to close their connection when draining starts.
  const pending = new Set<http.ServerResponse>();
  const h1 = http.createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      // How often Node checks the two timeouts above (default 30 s).
      connectionsCheckingInterval: Math.max(100, Math.min(5_000, Math.floor(timeouts.headersMs / 4))),
    },
    (req, res) => {
      if (draining) res.shouldKeepAlive = false;
      else {
        pending.add(res);
        res.once("close", () => pending.delete(res));
      }
      handler(req, res);
    },
  );
  // Longer than common load balancers' idle timeouts (60 s) by default, so they close first.
  h1.keepAliveTimeout = timeouts.idleMs;
  // h1 never listens itself (it is handed sockets), and Node only tracks its
  // connections — the headers/request timeouts, closeIdleConnections() —
  // once it has emitted 'listening'.
  h1.emit("listening");
  h1.on("clientError", (err: NodeJS.ErrnoException, socket: net.Socket) => {
    const busy = (socket as { _httpMessage?: http.ServerResponse })._httpMessage;
    if (err.code === "ECONNRESET" || !socket.writable || busy?.headersSent) {
      socket.destroy();
      return;
    }
    const status = clientErrorStatus(err);
    const detail =
      status === 431
        ? "request headers too large (limit 16 KiB)"
        : status === 408
          ? "the request did not arrive in time"
          : "malformed HTTP request";
    socket.end(rawProblem(status, detail));
  });

  const h2 = http2.createServer({}, handler);
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
    session.on("error", () => {});
    // Idle = no open stream for idleMs (a long watch stream keeps it open).
    // While draining, a session opened meanwhile closes once it is idle.
    let open = 0;
    let idle: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(idle);
      if (draining) {
        session.close();
        return;
      }
      idle = setTimeout(() => session.close(), timeouts.idleMs);
      idle.unref();
    };
    if (!draining) arm();
    session.on("stream", (stream: http2.ServerHttp2Stream) => {
      open++;
      clearTimeout(idle);
      stream.once("close", () => {
        if (--open === 0 && !session.closed) arm();
      });
    });
    session.once("close", () => clearTimeout(idle));
  });

  const sockets = new Set<net.Socket>();
  const undecided = new Set<net.Socket>();

  const server = net.createServer((socket) => {
    sockets.add(socket);
    undecided.add(socket);
    socket.once("close", () => {
      sockets.delete(socket);
      undecided.delete(socket);
    });
    socket.on("error", () => socket.destroy());
    // Nothing (or too little to decide) within firstByteMs: close.
    const timer = setTimeout(() => socket.destroy(), timeouts.firstByteMs);
    timer.unref();
    // Paused-mode reads until the bytes either differ from the HTTP/2
    // preface or hold all of it; then the bytes go back with unshift() and
    // the chosen server reads them from the buffer (a 'data' listener plus
    // resume() here would lose them for HTTP/2, whose session consumes the
    // socket directly).
    let seen = Buffer.alloc(0);
    const onReadable = () => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) seen = Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, PREFACE.length);
      const prefix = seen.subarray(0, n).equals(PREFACE.subarray(0, n));
      if (prefix && seen.length < PREFACE.length) return; // could still be either: wait for more
      socket.off("readable", onReadable);
      socket.off("end", onEnd);
      clearTimeout(timer);
      undecided.delete(socket);
      socket.unshift(seen);
      if (prefix) {
        h2.emit("connection", socket);
      } else {
        h1.emit("connection", socket);
        // The 'readable' listener left the stream paused; HTTP/1's parser
        // reads through 'data' events, so later packets (e.g. a body sent
        // after the headers) only arrive once it flows.
        socket.resume();
      }
    };
    const onEnd = () => socket.destroy();
    socket.on("readable", onReadable);
    socket.once("end", onEnd);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  let closing: Promise<{ drained: boolean }> | undefined;
  const closeIdle = () => {
    h1.closeIdleConnections();
    for (const session of sessions) session.close(); // GOAWAY; in-flight streams finish
  };
  const until = async (deadline: number, done: () => boolean) => {
    while (!done() && Date.now() < deadline) {
      closeIdle();
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return {
    port: address.port,
    close: (drainMs = 0, delayMs = 0) =>
      (closing ??= (async () => {
        // From now on every HTTP/1.1 answer closes its connection, and
        // HTTP/2 sessions get GOAWAY: clients move to other instances.
        draining = true;
        for (const res of pending) if (!res.headersSent) res.shouldKeepAlive = false;
        // Optionally keep accepting for a while (load balancers are still
        // sending new connections here until they see readiness fail).
        if (delayMs > 0) await until(Date.now() + delayMs, () => false);
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const s of undecided) s.destroy();
        await until(Date.now() + drainMs, () => sockets.size === 0);
        const drained = sockets.size === 0;
        // What is left after the drain timeout is cut.
        for (const session of sessions) session.destroy();
        for (const s of sockets) s.destroy();
        h1.close(); // stops its connection-checking timer
        await stopped;
        return { drained };
      })()),
  };
}
