// Everything the Connect side needs at run time (connect-es, protobuf-es and
// the generated descriptors), in one module that client.ts imports lazily:
// a client that speaks REST never loads it.
import { createClient, type Transport } from "@connectrpc/connect";
import { services } from "../internal/rpc.js";

export { connectWire } from "./connect.js";

/** The generated Connect clients, one per service, over `transport`. */
export function connectClients(transport: Transport): Record<string, unknown> {
  const clients: Record<string, unknown> = {};
  for (const [name, service] of Object.entries(services)) clients[name] = createClient(service, transport);
  return clients;
}
