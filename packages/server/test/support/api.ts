// Small clients for fault tests: plain fetch (no retries, so every status is
// seen as the server sent it), an SSE reader and raw TCP requests.
import net from "node:net";
import { DEV_JWT_SECRET, mintToken } from "../../src/index.js";

export async function adminToken(tenantId = "faults"): Promise<string> {
  return mintToken({ secret: DEV_JWT_SECRET, audience: "sovren", tenantId, roles: ["admin"], ttlSeconds: 1800 });
}

export interface Answer {
  status: number;
  body: any;
  retryAfter: string | null;
  contentType: string | null;
  /** Set when fetch itself failed (connection refused/reset). */
  networkError?: string;
  ms: number;
}

export async function call(base: string, token: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const started = performance.now();
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return {
      status: res.status,
      body: parsed,
      retryAfter: res.headers.get("retry-after"),
      contentType: res.headers.get("content-type"),
      ms: performance.now() - started,
    };
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { status: 0, body: undefined, retryAfter: null, contentType: null, networkError: cause?.code ?? cause?.message ?? String(err), ms: performance.now() - started };
  }
}

export interface SseWatch {
  events: any[];
  /** Resolves when the stream ends: `clean` when it closed without a transport error. */
  ended: Promise<{ clean: boolean; error?: string }>;
  /** Resolves once an event satisfies `match`, or rejects after `ms`. */
  waitFor(match: (e: any) => boolean, ms: number): Promise<any>;
  close(): void;
}

/** Opens a server-sent events stream and collects its `data:` events. */
export async function openSse(url: string, token: string): Promise<SseWatch> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" }, signal: abort.signal });
  if (res.status !== 200 || !res.body) throw new Error(`watch answered ${res.status}: ${await res.text()}`);
  const events: any[] = [];
  const waiters = new Set<() => void>();
  const ended = (async () => {
    const decoder = new TextDecoder();
    let buf = "";
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let i: number;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          for (const line of block.split("\n")) if (line.startsWith("data: ")) events.push(JSON.parse(line.slice(6)));
          for (const w of waiters) w();
        }
      }
      return { clean: true };
    } catch (err) {
      return { clean: false, error: String((err as { cause?: unknown }).cause ?? err) };
    }
  })();
  return {
    events,
    ended,
    waitFor(match, ms) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(match);
          if (found) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${ms} ms (${events.length} events seen)`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    close: () => abort.abort(),
  };
}

/** A raw TCP connection: write bytes when you choose, read everything until the server closes. */
export function rawConnection(port: number) {
  const socket = net.connect(port, "127.0.0.1");
  const chunks: Buffer[] = [];
  socket.on("data", (d) => chunks.push(d));
  socket.on("error", () => {});
  const opened = performance.now();
  const closed = new Promise<{ ms: number; text: string }>((resolve) =>
    socket.once("close", () => resolve({ ms: performance.now() - opened, text: Buffer.concat(chunks).toString("utf8") })),
  );
  const connected = new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", reject);
  });
  return { socket, connected, closed, text: () => Buffer.concat(chunks).toString("utf8") };
}

/** Status, headers and body of a raw HTTP/1.1 response. */
export function parseRawResponse(text: string): { status: number; headers: Record<string, string>; body: string } {
  const end = text.indexOf("\r\n\r\n");
  const head = end >= 0 ? text.slice(0, end) : text;
  const [statusLine, ...lines] = head.split("\r\n");
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(":");
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(statusLine?.split(" ")[1] ?? 0), headers, body: end >= 0 ? text.slice(end + 4) : "" };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
