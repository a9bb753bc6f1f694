// Stripe's idempotency semantics (docs/wire-conventions.md): replay on the
// same key and body, 422 on another body, and a concurrent duplicate waits
// for the first and replays its response. The claim is committed before the
// work starts so that every instance sees it.
import { createHash } from "node:crypto";
import type { Db } from "../store/db.js";
import { claimKey, completeKey, readKey, releaseKey } from "../store/idempotency-repo.js";
import { ApiError, invalidArgument } from "./errors.js";

const WAIT_LIMIT_MS = 10_000;
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

export async function idempotent<T>(
  db: Db,
  k: { tenantId: string; key: string; method: string; request: unknown },
  execute: () => Promise<T>,
): Promise<{ response: T; replayed: boolean }> {
  const hash = requestHash(k.method, k.request);
  const claimed = await db.transaction(k.tenantId, (tx) =>
    claimKey(tx, { tenantId: k.tenantId, key: k.key, method: k.method, requestHash: hash }),
  );
  if (claimed) {
    let response: T;
    try {
      response = await execute();
    } catch (err) {
      await db.transaction(k.tenantId, (tx) => releaseKey(tx, k.key)).catch(() => {});
      throw err;
    }
    await db.transaction(k.tenantId, (tx) => completeKey(tx, k.key, 200, response));
    return { response, replayed: false };
  }
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    const stored = await db.transaction(k.tenantId, (tx) => readKey(tx, k.key));
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
    if (Date.now() > deadline) {
      throw new ApiError("aborted", "a request with this Idempotency-Key is still in progress");
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
