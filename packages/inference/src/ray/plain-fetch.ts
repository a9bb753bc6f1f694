// A fetch over node:http for the Ray dashboard. Ray's dashboard refuses
// state-changing requests that look like browser traffic ("'POST' method not
// allowed for browser traffic", 405): any `Sec-Fetch-*` header counts, and
// Node's fetch (undici) always sends `Sec-Fetch-Mode: cors`, so job
// submissions and stops through global fetch fail against a real Ray.
import http from "node:http";
import https from "node:https";

const agents = { "http:": new http.Agent({ keepAlive: true }), "https:": new https.Agent({ keepAlive: true }) };

export function plainFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const mod = url.protocol === "https:" ? https : http;
    const body = init.body == null ? undefined : typeof init.body === "string" ? Buffer.from(init.body) : Buffer.from(init.body as Uint8Array);
    const headers: Record<string, string> = Object.fromEntries(new Headers(init.headers).entries());
    if (body !== undefined) headers["content-length"] = String(body.length);
    const req = mod.request(
      url,
      { method: init.method ?? "GET", headers, agent: agents[url.protocol as "http:" | "https:"], ...(init.signal ? { signal: init.signal } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(", ") : v);
          const status = res.statusCode ?? 502;
          resolve(new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage ?? "", headers: h }));
        });
      },
    );
    req.on("error", (err) => {
      // Report an aborted signal the way fetch does (AbortError / TimeoutError).
      if (init.signal?.aborted) reject(init.signal.reason instanceof Error ? init.signal.reason : err);
      else reject(err);
    });
    req.end(body);
  });
}
