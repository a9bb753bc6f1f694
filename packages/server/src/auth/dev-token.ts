// Mints development tokens (`sovren-server token`) with the configured HS256 secret.
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import type { Role } from "../domain/principal.js";

export function parseTtl(ttl: string): number {
  const m = /^(\d+)(s|m|h|d)?$/.exec(ttl.trim());
  if (!m) throw new Error(`bad --ttl "${ttl}" (use e.g. 90s, 30m, 12h, 7d)`);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? "s") as "s" | "m" | "h" | "d"];
  return Number(m[1]) * unit;
}

export async function mintToken(o: {
  secret: string;
  audience: string;
  tenantId: string;
  roles: Role[];
  subject?: string;
  ttlSeconds: number;
}): Promise<string> {
  return new SignJWT({ tenant_id: o.tenantId, roles: o.roles })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(o.subject ?? `dev-${randomUUID()}`)
    .setAudience(o.audience)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + o.ttlSeconds)
    .sign(new TextEncoder().encode(o.secret));
}
