// Watch an executive's communications live while sending two of them: one
// that will be delivered and one whose recipient cannot be reached.
import { Sovren } from "@sovren/sdk";
import { baseUrl, token } from "./env.js";

const sovren = new Sovren({ baseUrl, token });
const { executiveId } = await sovren.executives.commission({
  role: "Chief Communications Officer",
  name: `Echo-${Date.now().toString(36)}`,
});

const stream = sovren.communications.watch({ executiveId });
const seen = new Map<string, string>();
const watching = (async () => {
  for await (const c of stream) {
    console.log(`  ${c.recipient.padEnd(24)} ${c.status}${c.failureReason ? ` (${c.failureReason})` : ""}`);
    seen.set(c.messageId, c.status);
    const final = [...seen.values()].filter((s) => s !== "COMMUNICATION_STATUS_SENT");
    if (final.length === 2) break;
  }
})();

// Give the stream a moment to open, then send.
await new Promise((resolve) => setTimeout(resolve, 300));
console.log("sending two messages; watching their status:");
await sovren.communications.send({ executiveId, recipient: "board@example.com", message: "Quarterly outlook attached." });
await sovren.communications.send({ executiveId, recipient: "nobody@unreachable.invalid", message: "This one will bounce." });

const timeout = setTimeout(() => {
  console.error("timed out waiting for delivery updates");
  process.exit(1);
}, 30_000);
await watching;
clearTimeout(timeout);
console.log(`watched ${seen.size} communications to their final status`);
