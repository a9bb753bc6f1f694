// Turns request credentials (Authorization: Bearer or X-API-Key) into a
// Principal. Verified tokens are cached until they expire, so the signature
// check runs once per token rather than once per request.
import { ApiError } from "../domain/errors.js";
import type { Principal, Role } from "../domain/principal.js";
import type { JwtVerifier } from "./jwt.js";

const ROLES = new Set<Role>(["admin", "member", "viewer"]);
const TENANT_RE = /^[A-Za-z0-9._-]{1,100}$/;

/** What authentication reads of the request headers: a fetch `Headers`, or a cheaper view of Node's (transport/request-state.ts). */
export type HeaderReader = Pick<Headers, "get">;

export interface Authenticator {
  authenticate(headers: HeaderReader): Promise<Principal>;
}

export function createAuthenticator(
  verifyJwt: JwtVerifier,
  resolveApiKey: (key: string) => Promise<{ id: string; tenantId: string; roles: Role[] } | undefined>,
): Authenticator {
  const cache = new Map<string, { principal: Principal; exp: number }>();

  async function fromBearer(token: string): Promise<Principal> {
    const hit = cache.get(token);
    if (hit && hit.exp > Date.now()) return hit.principal;
    const claims = await verifyJwt(token);
    const tenantId = claims.tenant_id;
    if (typeof tenantId !== "string" || !TENANT_RE.test(tenantId)) {
      throw new ApiError("unauthenticated", "token has no valid tenant_id claim");
    }
    const rawRoles = Array.isArray(claims.roles) ? claims.roles : [];
    const principal: Principal = {
      tenantId,
      subject: String(claims.sub),
      roles: rawRoles.filter((r): r is Role => ROLES.has(r as Role)),
      credential: "jwt",
    };
    if (cache.size > 10_000) cache.clear();
    cache.set(token, { principal, exp: (claims.exp ?? 0) * 1000 });
    return principal;
  }

  return {
    async authenticate(headers) {
      const authorization = headers.get("authorization");
      const apiKey = headers.get("x-api-key");
      let principal: Principal;
      if (authorization) {
        const m = /^Bearer\s+(\S+)$/i.exec(authorization);
        if (!m) throw new ApiError("unauthenticated", "Authorization must be `Bearer <token>`");
        principal = await fromBearer(m[1]!);
      } else if (apiKey) {
        const found = await resolveApiKey(apiKey);
        if (!found) throw new ApiError("unauthenticated", "unknown API key");
        principal = { tenantId: found.tenantId, subject: `api-key:${found.id}`, roles: found.roles, credential: "api_key" };
      } else {
        throw new ApiError("unauthenticated", "credentials required (Authorization: Bearer or X-API-Key)", {
          headers: { "WWW-Authenticate": 'Bearer realm="sovren"' },
        });
      }
      // No credential type here spans tenants yet, so X-Tenant-ID may only repeat the credential's own.
      const tenantHeader = headers.get("x-tenant-id");
      if (tenantHeader !== null && tenantHeader !== principal.tenantId) {
        throw new ApiError("permission_denied", "X-Tenant-ID does not match the credential's tenant");
      }
      return principal;
    },
  };
}
