// Stand-ins that load the Connect side (transports/connect-kit.ts) on first
// use, so that importing `@sovren/sdk` or building a client costs neither
// connect-es nor protobuf-es until a Connect call is made.
import { allOperationIds, operationSpec, SERVICE_TYPE_NAMES, type OperationId, type ServiceName } from "../internal/operations.js";
import type { Wire } from "./types.js";

/** Caches a loader: one import however many callers, the value itself once settled. */
export function once<T>(load: () => Promise<T>): () => T | Promise<T> {
  let value: T | undefined;
  let loading: Promise<T> | undefined;
  return () => value ?? (loading ??= load().then((v) => (value = v)));
}

/** A wire that loads the real one on the first attempt. */
export function lazyWire(name: string, baseUrl: string, load: () => Wire | Promise<Wire>): Wire {
  const root = baseUrl.replace(/\/$/, "");
  return {
    name,
    // Same text as connectWire's, without the descriptors.
    url: (op) => `${root}/${SERVICE_TYPE_NAMES[op.service]}/${op.id[0]!.toUpperCase()}${op.id.slice(1)}`,
    unary: async (op, input, ctx) => (await load()).unary(op, input, ctx),
    stream: async (op, input, ctx) => (await load()).stream(op, input, ctx),
  };
}

type AnyClients = Record<string, Record<string, (...args: unknown[]) => unknown>>;

/**
 * Connect clients whose methods load connect-es on their first call: unary
 * methods return the promise they would, streaming ones an async iterable.
 */
export function lazyClients<T>(load: () => AnyClients | Promise<AnyClients>): T {
  const ids = new Set<string>(allOperationIds());
  const out: Record<string, unknown> = {};
  for (const service of Object.keys(SERVICE_TYPE_NAMES) as ServiceName[]) {
    const methods: Record<string, unknown> = {};
    for (const id of ids) {
      const spec = operationSpec(id as OperationId);
      if (spec.service !== service) continue;
      methods[id] = spec.stream
        ? (...args: unknown[]) =>
            (async function* () {
              yield* (await load())[service]![id]!(...args) as AsyncIterable<unknown>;
            })()
        : async (...args: unknown[]) => (await load())[service]![id]!(...args);
    }
    out[service] = methods;
  }
  return out as T;
}

/** Why fetch-based entries refuse `"grpc"` (checked when the client is built, before anything loads). */
export const GRPC_NEEDS_NODE =
  'transport "grpc" needs HTTP/2 trailers, which fetch cannot read: import { Sovren } from "@sovren/sdk/node" on Node, or use "connect" / "grpc-web" here.';
