// Renders the results as the Markdown tables of BENCHMARKS.md, with each
// target and its verdict.
import { fmt } from "./lib.mjs";

const int = (s) => fmt(s, 0);
const ms = (s) => fmt(s, 2);
const x = (s) => (s ? `${fmt(s, 2)}×` : "—");
const verdict = (ok) => (ok ? "**met**" : "**missed**");

export function render(r) {
  const out = [];
  const m = r.meta;
  out.push(`Run: ${m.date} · commit \`${m.commit}\` · ${m.machine} · PostgreSQL ${m.postgres} · 1-min load average ${m.loadBefore.toFixed(1)} before, ${m.loadAfter.toFixed(1)} after (the machine is shared) · ${m.cfg.smoke ? "SMOKE (numbers meaningless)" : "full"} run, ${m.seconds.toFixed(0)} s`);
  out.push(`Method: warm-up first, then ${m.cfg.rounds} round(s); each cell is the median of the rounds with (min–max) of the rounds. Ratios are taken per round in the same run.`);
  out.push("");
  const verdicts = [];

  if (r.sdk) {
    out.push(`### 1. SDK overhead (GetExecutive against a trivial local endpoint in another process; ${r.sdk.calls} sequential calls per round)`);
    out.push("");
    out.push("| client | latency p50 ms | p99 ms | CPU µs/call | p50 ratio | p99 ratio | CPU ratio | vs |");
    out.push("|---|---|---|---|---|---|---|---|");
    for (const v of r.sdk.rows) {
      const vs = v.baseline ? r.sdk.rows.find((b) => b.key === v.baseline).label.split(" ")[0] : "baseline";
      out.push(`| ${v.label} | ${ms(v.p50)} | ${ms(v.p99)} | ${fmt(v.cpuUs, 0)} | ${x(v.ratioP50)} | ${x(v.ratioP99)} | ${x(v.ratioCpu)} | ${vs} |`);
    }
    out.push("");
    for (const key of ["rest-sdk", "connect-web-sdk", "connect-node-sdk", "grpc-sdk"]) {
      const v = r.sdk.rows.find((y) => y.key === key);
      if (!v) continue;
      verdicts.push([`SDK within 5% of the bare client: ${v.label} (p50 latency)`, "≤ 1.05×", x(v.ratioP50), verdict(v.ratioP50.median <= 1.05)]);
      verdicts.push([`SDK within 5% of the bare client: ${v.label} (CPU/call)`, "≤ 1.05×", x(v.ratioCpu), verdict(v.ratioCpu.median <= 1.05)]);
    }
  }

  if (r.peer) {
    const pr = r.peer;
    out.push(`### 2a. GET executive on PostgreSQL against the lean peer and the ceiling (${pr.generator ?? "—"}, one thread, in another process; ${m.cfg.peerDuration} s per round; targets interleaved per round)`);
    out.push("");
    if (pr.skipped) out.push(`Not measured: ${pr.skipped}`);
    else {
      out.push("| target | connections | req/s | p50 ms | p95 ms | p99 ms | ÷ lean peer (req/s) | ÷ ceiling (req/s) | non-2xx |");
      out.push("|---|---|---|---|---|---|---|---|---|");
      for (const row of pr.rows) {
        out.push(`| ${row.key.startsWith("server") ? `**${row.label}**` : row.label} | ${row.connections} | ${int(row.rps)} | ${ms(row.p50)} | ${ms(row.p95)} | ${ms(row.p99)} | ${x(row.vsPeer)} | ${x(row.vsCeiling)} | ${row.non2xx + row.errors} |`);
      }
      for (const c of pr.commission) {
        out.push(`| **server, POST commission (fresh Idempotency-Key)** | ${c.connections} | ${int(c.rps)} | ${ms(c.p50)} | ${ms(c.p95)} | ${ms(c.p99)} | — | — | ${c.non2xx + c.errors} |`);
      }
      out.push("");
      for (const key of ["server-rest", "server-connect"]) {
        for (const row of pr.rows.filter((y) => y.key === key && y.connections >= 32)) {
          const peer = pr.rows.find((y) => y.key === "peer" && y.connections === row.connections);
          verdicts.push([`GET executive, PostgreSQL, ${row.label}, c=${row.connections}: vs the lean peer (req/s; p99 no worse)`, "≥ 1.5×", `${x(row.vsPeer)}; p99 ${ms(row.p99)} vs ${ms(peer?.p99)} ms`, verdict(row.vsPeer.median >= 1.5 && row.p99.median <= (peer?.p99.median ?? Infinity))]);
        }
      }
      const one = pr.rows.filter((y) => y.key === "server-rest" && y.p95.median < 20);
      if (one.length) {
        const best = one.reduce((a, b) => (b.rps.median > a.rps.median ? b : a));
        verdicts.push(["GET executive, PostgreSQL, one process, p95 < 20 ms", "≥ 5,000 req/s", `${int(best.rps)} req/s at c=${best.connections}, p95 ${ms(best.p95)} ms`, verdict(best.rps.median >= 5000)]);
      }
      const multi = pr.rows.filter((y) => y.key === "server-workers" && y.p95.median < 20);
      if (multi.length) {
        const best = multi.reduce((a, b) => (b.rps.median > a.rps.median ? b : a));
        verdicts.push([`GET executive, PostgreSQL, SOVREN_WORKERS=${pr.workers}, p95 < 20 ms`, "≥ 10,000 req/s", `${int(best.rps)} req/s at c=${best.connections}, p95 ${ms(best.p95)} ms`, verdict(best.rps.median >= 10_000)]);
      }
    }
    out.push("");
  }

  if (r.server) {
    out.push(`### 2. Server throughput and latency (autocannon in another process; ${m.cfg.duration} s per round; rate limit raised; SOVREN_WORKERS=${m.workers})`);
    out.push("");
    out.push("| database | endpoint | transport | connections | req/s | p50 ms | p95 ms | p99 ms | non-2xx |");
    out.push("|---|---|---|---|---|---|---|---|---|");
    for (const c of r.server.ceiling) {
      out.push(`| — | **ceiling**: minimal node:http, fixed JSON | HTTP/1.1 | ${c.connections} | ${int(c.rps)} | ${ms(c.p50)} | ${ms(c.p95)} | ${ms(c.p99)} | ${c.non2xx + c.errors} |`);
    }
    for (const db of ["pglite", "postgres"]) {
      const d = r.server[db];
      if (!d) continue;
      if (d.skipped) {
        out.push(`| ${db} | all | — | — | not measured: ${d.skipped} | | | | |`);
        continue;
      }
      for (const row of d.rows) {
        out.push(`| ${db === "pglite" ? "PGlite" : "PostgreSQL"} | ${row.name} | ${row.transport} | ${row.connections} | ${int(row.rps)} | ${ms(row.p50)} | ${ms(row.p95)} | ${ms(row.p99)} | ${row.non2xx + row.errors} |`);
      }
    }
    out.push("");
    const pgRows = r.server.postgres?.rows?.filter((y) => y.name === "get executive" && y.transport === "REST") ?? [];
    if (pgRows.length) {
      const ok = pgRows.filter((y) => y.p95.median < 20);
      const best = (ok.length ? ok : pgRows).reduce((a, b) => (b.rps.median > a.rps.median ? b : a));
      const ceil = r.server.ceiling.find((c) => c.connections === best.connections);
      verdicts.push(["get executive, real PostgreSQL, REST: throughput with p95 < 20 ms", "≥ 10,000 req/s", `${int(best.rps)} req/s at c=${best.connections}, p95 ${ms(best.p95)} ms`, verdict(best.rps.median >= 10_000 && best.p95.median < 20)]);
      if (ceil) {
        const share = best.rps.median / ceil.rps.median;
        verdicts.push(["get executive, real PostgreSQL, share of the ceiling (same connections)", "≥ 50%", `${(share * 100).toFixed(0)}% (${int(best.rps)} / ${int(ceil.rps)})`, verdict(share >= 0.5)]);
      }
    } else {
      verdicts.push(["get executive, real PostgreSQL", "≥ 10,000 req/s, p95 < 20 ms, ≥ 50% of ceiling", "not measured", "—"]);
    }
  }

  if (r.inference) {
    const i = r.inference;
    out.push("### 3. Inference pass-through (sequential simulations, 5,000 trials)");
    out.push("");
    out.push("| backend | direct p50 ms | direct p99 ms | through the server (run + WaitOperation) p50 ms | p99 ms | p50 ratio | added at p50 | with `Prefer: wait` p50 ms | p99 ms | added at p50 |");
    out.push("|---|---|---|---|---|---|---|---|---|---|");
    for (const name of ["embedded", "triton-grpc", "triton-http", "ray-serve"]) {
      const d = i.direct[name] ?? { skipped: "not run" };
      const s = i.server[name] ?? { skipped: "not run" };
      const dCells = d.skipped ? `not measured: ${d.skipped} | ` : `${ms(d.p50)} | ${ms(d.p99)}`;
      const sCells = s.skipped ? `not measured: ${s.skipped} | ` : `${ms(s.p50)} | ${ms(s.p99)}`;
      const both = !d.skipped && !s.skipped;
      const added = both ? s.p50.median - d.p50.median : undefined;
      const w = both ? s.preferWait : undefined;
      const addedW = w ? w.p50.median - d.p50.median : undefined;
      const label = name === "embedded" ? "embedded (direct: `simulate()` in process)" : name;
      out.push(`| ${label} | ${dCells} | ${sCells} | ${both ? `${(s.p50.median / d.p50.median).toFixed(2)}×` : "—"} | ${both ? `${added.toFixed(2)} ms` : "—"} | ${w ? `${ms(w.p50)} | ${ms(w.p99)} | ${addedW.toFixed(2)} ms` : "— | — | —"} |`);
      verdicts.push([`inference pass-through, ${name}, with Prefer: wait: added latency at p50`, "≤ 1 ms", w ? `${addedW.toFixed(2)} ms (run + WaitOperation: ${added.toFixed(2)} ms)` : `not measured: ${s.skipped ?? d.skipped}`, w ? verdict(addedW <= 1) : "—"]);
    }
    if (i.notes.length) out.push("", ...i.notes.map((n) => `Note: ${n}`));
    out.push("");
  }

  if (r.size) {
    const s = r.size;
    out.push("### 4. Size and start-up");
    out.push("");
    out.push("| bundle (esbuild --bundle --minify --platform=browser, gzip -9) | min bytes | min+gzip bytes | vs openapi-fetch | vs @connectrpc/connect |");
    out.push("|---|---|---|---|---|");
    const ofetch = s.sizes.find((y) => y.name.startsWith("openapi-fetch"));
    const conn = s.sizes.find((y) => y.name.startsWith("@connectrpc/connect alone"));
    for (const y of s.sizes) {
      out.push(`| ${y.name} | ${y.min.toLocaleString("en-US")} | ${y.gzip.toLocaleString("en-US")} | ${(y.gzip / ofetch.gzip).toFixed(1)}× | ${(y.gzip / conn.gzip).toFixed(1)}× |`);
    }
    out.push("");
    out.push("| start-up | ms |");
    out.push("|---|---|");
    for (const t of s.importTimes) out.push(`| import \`${t.spec}\` in a fresh Node.js process | ${fmt(t.ms, 1)} |`);
    for (const c of s.coldStart) out.push(`| server cold start to ready (spawn → /v1/health/ready 200), ${c.kind}${c.kind === "postgres" ? " (fresh database, migrations)" : " (in memory)"} | ${c.skipped ? `not measured: ${c.skipped}` : fmt(c.ms, 0)} |`);
    out.push("");
  }

  out.push("### Targets");
  out.push("");
  out.push("| target | goal | measured | verdict |");
  out.push("|---|---|---|---|");
  for (const v of verdicts) out.push(`| ${v.join(" | ")} |`);
  return out.join("\n");
}
