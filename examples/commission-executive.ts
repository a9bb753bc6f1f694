// Commission an executive, list the board, run a simulation and wait for
// its result, and send a communication — the tenant's first session.
import { ConflictError, Sovren } from "@sovren/sdk";
import { baseUrl, token } from "./env.js";

const sovren = new Sovren({ baseUrl, token });
const name = process.env.EXECUTIVE_NAME ?? "Aurora";

console.log(`Commissioning ${name} at ${baseUrl} ...`);
let executiveId: string;
try {
  const created = await sovren.executives.commission({
    role: "Chief Strategy Officer",
    name,
    skills: ["forecasting", "negotiation"],
  });
  console.log(`  ${created.message} (id ${created.executiveId}, status ${created.status})`);
  executiveId = created.executiveId;
} catch (err) {
  if (!ConflictError.is(err)) throw err;
  // Names are unique per tenant: reuse the executive commissioned on an earlier run.
  const existing = (await sovren.executives.list({ pageSize: 100 })).data.find((e) => e.name === name);
  if (!existing) throw err;
  console.log(`  ${name} already sits on the board (id ${existing.id})`);
  executiveId = existing.id;
}

console.log("\nThe Shadow Board:");
for await (const executive of sovren.executives.list()) {
  console.log(`  - ${executive.name.padEnd(12)} ${executive.role}  [${executive.skills?.join(", ") ?? ""}]  ${executive.state}`);
}

console.log("\nSimulating 'Expand into the EU market' ...");
const started = await sovren.simulations.run({
  userId: "demo-user",
  scenario: "Expand into the EU market",
  executiveId,
  seed: 42,
  trials: 20_000,
  factors: [
    { name: "market_growth", weight: 1, mean: 0.08, stddev: 0.05 },
    { name: "competition", weight: -0.5, mean: 0.04, stddev: 0.03 },
  ],
});
console.log(`  operation ${started.operationId} is ${started.state}`);
const done = await sovren.operations.wait(started.operationId, { timeout: 60_000 });
if (done.state !== "OPERATION_STATE_SUCCEEDED" || !done.result) {
  throw new Error(`simulation ended ${done.state}: ${done.error?.message ?? "no result"}`);
}
const r = done.result;
console.log(`  outcome ${r.outcome}, confidence ${(r.confidence * 100).toFixed(1)}% over ${r.trials} trials (seed ${r.seed}, backend ${done.backend})`);
console.log(`  expected value ${r.expectedValue.toFixed(4)}, 90% of outcomes in [${r.p05.toFixed(4)}, ${r.p95.toFixed(4)}]`);

console.log("\nSending the verdict to the board chair ...");
const sent = await sovren.communications.send({
  executiveId,
  recipient: "chair@example.com",
  message: `EU expansion: ${r.outcome} (${(r.confidence * 100).toFixed(1)}% confidence).`,
});
console.log(`  message ${sent.messageId} ${sent.status} at ${sent.timestamp}`);
console.log("\nDone.");
