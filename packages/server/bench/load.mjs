// Load test: GET an executive and POST (commission) new ones against a running
// server, with autocannon in this separate process.
//   node bench/load.mjs http://127.0.0.1:8080 "$(node dist/cli.js token --tenant bench --ttl 1h)"
import autocannon from "autocannon";

const [base = "http://127.0.0.1:8080", token] = process.argv.slice(2);
if (!token) throw new Error("usage: node bench/load.mjs <base-url> <token>");
const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
const connections = Number(process.env.CONNECTIONS ?? 32);
const duration = Number(process.env.DURATION ?? 10);

const seed = await fetch(`${base}/v1/executives`, {
  method: "POST",
  headers,
  body: JSON.stringify({ role: "CSO", name: `Bench ${Date.now()}` }),
}).then((r) => r.json());

const run = (title, request) =>
  new Promise((resolve, reject) =>
    autocannon({ url: base, connections, duration, headers, requests: [request] }, (err, r) => {
      if (err) return reject(err);
      const line = `${title}: ${r.requests.average.toFixed(0)} req/s, p50 ${r.latency.p50} ms, p90 ${r.latency.p90} ms, p97.5 ${r.latency.p97_5} ms, p99 ${r.latency.p99} ms, 2xx ${r["2xx"]}, non-2xx ${r.non2xx}, errors ${r.errors}`;
      console.log(line);
      resolve(r);
    }),
  );

let n = 0;
const stamp = Date.now();
await run(`GET  /v1/executives/{id} (-c ${connections} -d ${duration})`, { method: "GET", path: `/v1/executives/${seed.executiveId}` });
await run(`POST /v1/executives      (-c ${connections} -d ${duration})`, {
  method: "POST",
  path: "/v1/executives",
  setupRequest: (req) => ({ ...req, body: JSON.stringify({ role: "CSO", name: `Exec ${stamp}-${n++}` }) }),
});
