// What handlers work with: the per-call context the transports build, and the
// process-wide services the server assembles once.
import type { Config } from "../config.js";
import type { ChangeFeed } from "../domain/change-feed.js";
import type { DeliverySimulator } from "../domain/delivery.js";
import type { ErasureRunner } from "../domain/erasure.js";
import type { JobQueue } from "../domain/jobs.js";
import type { OperationRunner } from "../domain/operation-runner.js";
import type { Principal } from "../domain/principal.js";
import type { InferenceRouter } from "../inference/router.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { Telemetry } from "../telemetry/telemetry.js";
import type { Db, Queryable } from "../store/db.js";
import type { AuditAction, AuditLedger } from "../trust/audit-ledger.js";
import type { SigningKeys } from "../trust/signing-keys.js";

export interface Services {
  config: Config;
  db: Db;
  inference: InferenceRouter;
  runner: OperationRunner;
  /** Durable work: this instance's lease, heartbeat and sweep. */
  jobs: JobQueue;
  feed: ChangeFeed;
  delivery: DeliverySimulator;
  metrics: Metrics;
  log: Logger;
  version: string;
  /** Erasure of data subjects as durable work (domain/erasure.ts). */
  erasure: ErasureRunner;
  /** Ed25519 signing keys of the server and of each executive (trust/signing-keys.ts). */
  keys: SigningKeys;
  /** The hash-chained audit ledger (trust/audit-ledger.ts). */
  audit: AuditLedger;
  /** Aborted when the server starts shutting down: readiness turns 503, streams end, long polls return. */
  stopping: AbortSignal;
  /** Tracing (NO_TELEMETRY unless an OTLP endpoint is configured). */
  telemetry?: Telemetry;
  /**
   * Dependencies readiness reports without being gated by them (Redis: the
   * server degrades to per-instance limits and database-only events).
   */
  optionalDependencies?: { name: string; check: () => Promise<{ ready: boolean; message?: string }> }[];
}

export interface Call {
  /** Absent only for the open health methods. */
  principal: Principal | undefined;
  requestId: string;
  signal: AbortSignal;
  log: Logger;
  /** This hop's W3C trace context, passed on to the inference core. */
  traceparent?: string;
  /**
   * The id to give a resource the call creates, when it runs under an
   * Idempotency-Key: the same on every retry of that key, so a retry after a
   * crash finds what the crashed attempt created.
   */
  resourceId?: string;
}

/** A canonical-JSON request or response message. */
export type Json = Record<string, unknown>;

export type UnaryHandler = (svc: Services, call: Call & { principal: Principal }, req: any) => Promise<Json>;
/** Resolves once the stream is admitted (or rejects, e.g. not_found), then yields its events. */
export type StreamHandler = (
  svc: Services,
  call: Call & { principal: Principal },
  req: any,
) => Promise<AsyncIterable<Json>>;

export function tenantOf(call: Call): string {
  return call.principal!.tenantId;
}

/** Appends the ledger record of a state-changing call, in its transaction. */
export function audit(
  svc: Services,
  tx: Queryable,
  call: Call & { principal: Principal },
  entry: { action: AuditAction; resource: string; request: unknown; result: unknown },
) {
  return svc.audit.append(tx, call.principal.tenantId, { ...entry, subject: call.principal.subject, requestId: call.requestId });
}
