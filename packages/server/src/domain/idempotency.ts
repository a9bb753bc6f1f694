// Stripe's idempotency semantics (docs/wire-conventions.md): replay on the
// same key and body, 422 on another body, and a concurrent duplicate waits
// for the first and replays its response. The claim is committed before the
// work starts so that every instance sees it.
import { createHash } from "node:crypto";
import type { Db } from "../store/db.js";
import { claimKey, completeKey, readKey, releaseKey } from "../store/idempotency-repo.js";
import { ApiError, databaseUnavailable, invalidArgument } from "./errors.js";
import { retryWhileUnavailable } from "./retry.js";

const WAIT_LIMIT_MS = 10_000;
const COMPLETE_RETRY_MS = 15_000;
const POLL_MS = 25;

/** Hash of the request's canonical JSON with sorted keys, so key order never matters. */
export function requestHash(method: string, request: unknown): string {
  const stable = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(stable)
      : v && typeof v === "object"
        ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, stable((v as Record<string, unknown>)[k])]))
        : v;
  return createHash("sha256").update(`${method}\n${JSON.stringify(stable(request))}`).digest("hex");
}

export function checkKey(key: string): string {
  if (key.length < 1 || key.length > 255) {
    throw invalidArgument("Idempotency-Key must be 1..255 characters", [
      { field: "Idempotency-Key", message: "must be 1..255 characters" },
    ]);
  }
  return key;
}

/**
 * Runs `execute` once per key. `owner` is this instance's job-lease id: a
 * claim still `running` whose instance lost its lease (crashed) is taken over
 * by the next retry, which gets the same resource id (see Call.resourceId),
 * so the retry completes what the crashed attempt started exactly once.
 */
export async function idempotent<T>(
  db: Db,
  k: { tenantId: string; key: string; method: string; request: unknown; owner: string },
  execute: (resourceId: string) => Promise<T>,
): Promise<{ response: T; replayed: boolean }> {
  const hash = requestHash(k.method, k.request);
  const claimed = await db.once(k.tenantId, (tx) =>
    claimKey(tx, { tenantId: k.tenantId, key: k.key, method: k.method, requestHash: hash, owner: k.owner }),
  );
  if (claimed) {
    let response: T;
    try {
      response = await execute(claimed.resourceId);
    } catch (err) {
      // Released even through a short outage: a claim left behind would block every retry.
      await retryWhileUnavailable(
        () => db.once(k.tenantId, (tx) => releaseKey(tx, k.key)),
        AbortSignal.timeout(COMPLETE_RETRY_MS),
      ).catch(() => {});
      throw err;
    }
    // The work is done: recording its response must outlast a short database
    // outage, or the key would stay "in progress" and block every retry.
    const recorded = await retryWhileUnavailable(
      () => db.once(k.tenantId, (tx) => completeKey(tx, k.key, 200, response)).then(() => true),
      AbortSignal.timeout(COMPLETE_RETRY_MS),
    );
    if (recorded === undefined) throw databaseUnavailable();
    return { response, replayed: false };
  }
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    const stored = await db.once(k.tenantId, (tx) => readKey(tx, k.key));
    if (!stored) {
      // The first request failed and released the key: run as a fresh request.
      return idempotent(db, k, execute);
    }
    if (stored.method !== k.method || stored.requestHash !== hash) {
      throw new ApiError("invalid_argument", "Idempotency-Key was already used with a different request", {
        status: 422,
      });
    }
    if (stored.state === "done") return { response: stored.response as T, replayed: true };
    // The instance running the first request died: take its claim over.
    if (!stored.ownerAlive) return idempotent(db, k, execute);
    if (Date.now() > deadline) {
      throw new ApiError("aborted", "a request with this Idempotency-Key is still in progress");
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
