// Machine API keys: random, shown once, stored as SHA-256 only.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Role } from "../domain/principal.js";
import type { Db } from "../store/db.js";
import { findApiKey, insertApiKey } from "../store/api-keys-repo.js";

export const hashApiKey = (key: string) => createHash("sha256").update(key, "utf8").digest("hex");

export async function createApiKey(
  db: Db,
  k: { tenantId: string; roles: Role[]; name?: string },
): Promise<{ id: string; key: string }> {
  const key = `sk_sovren_${randomBytes(32).toString("base64url")}`;
  const id = randomUUID();
  await db.ownerTransaction((tx) =>
    insertApiKey(tx, { id, tenantId: k.tenantId, keyHash: hashApiKey(key), roles: k.roles, name: k.name ?? "" }),
  );
  return { id, key };
}

/** Look-ups are cached briefly: a revoked key stops working within CACHE_MS. */
const CACHE_MS = 60_000;

export function createApiKeyResolver(db: Db) {
  const cache = new Map<string, { value: Awaited<ReturnType<typeof findApiKey>>; until: number }>();
  return async (key: string) => {
    const hash = hashApiKey(key);
    const hit = cache.get(hash);
    if (hit && hit.until > Date.now()) return hit.value;
    const value = await db.ownerTransaction((tx) => findApiKey(tx, hash));
    if (value) {
      if (cache.size > 10_000) cache.clear();
      cache.set(hash, { value, until: Date.now() + CACHE_MS });
    }
    return value;
  };
}
