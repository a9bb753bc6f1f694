// Run a large batch simulation and follow its progress until it is done.
import { Sovren } from "@sovren/sdk";
import { baseUrl, token } from "./env.js";

const sovren = new Sovren({ baseUrl, token });
const op = await sovren.simulations.run({
  userId: "analyst-7",
  scenario: "Acquire a competitor in 2027",
  mode: "SIMULATION_MODE_BATCH",
  trials: 1_000_000,
  factors: [
    { name: "synergy", weight: 1, mean: 0.1, stddev: 0.2 },
    { name: "integration_cost", weight: -1, mean: 0.06, stddev: 0.05 },
  ],
});
console.log(`operation ${op.operationId} ${op.state} on ${op.backend || "(not yet dispatched)"}`);

// Watch the operation's state changes as they happen (a server stream), then
// confirm the final state with wait(), which long-polls and backs off.
let last = -1;
for await (const o of sovren.operations.watch(op.operationId)) {
  const pct = Math.floor(o.progress * 100);
  if (pct !== last) console.log(`  progress ${String(pct).padStart(3)}%  ${o.state}`);
  last = pct;
  if (o.done) break;
}
const done = await sovren.operations.wait(op.operationId, { onProgress: (o) => console.log(`  wait: ${o.state}`) });
console.log(`done: ${done.state}; outcome ${done.result?.outcome}, confidence ${done.result?.confidence}`);
if (done.state !== "OPERATION_STATE_SUCCEEDED") process.exit(1);
