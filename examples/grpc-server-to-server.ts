// A backend team's server-to-server call over gRPC (HTTP/2), through the SDK's
// Node entry, and through the generated Connect client underneath it.
import { Sovren } from "@sovren/sdk/node";
import { baseUrl, token } from "./env.js";

const sovren = new Sovren({ baseUrl, token, transport: "grpc" });

const created = await sovren.executives.commission({
  role: "Chief Financial Officer",
  name: `Ledger-${Date.now().toString(36)}`,
  skills: ["treasury"],
});
console.log(`gRPC CommissionExecutive -> ${created.executiveId} (${created.status})`);

const fetched = await sovren.executives.get(created.executiveId);
console.log(`gRPC GetExecutive -> ${fetched.name}, ${fetched.role}, ${fetched.state}`);

// The generated service client, for calls the SDK does not wrap the way you want.
const raw = await sovren.connect.executives.getExecutive({ id: created.executiveId });
console.log(`generated ExecutiveService client -> ${raw.executive?.name} created ${raw.executive?.createTime ? "with a timestamp" : "without a timestamp"}`);
