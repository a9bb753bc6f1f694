// Bearer JWT verification: HS256 with a shared secret (development, small
// deployments) and RS256/ES256 from a JWKS (production). jose never accepts
// `alg: none`; the algorithm allow-list pins each key type to its algorithms.
import { readFileSync } from "node:fs";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from "jose";
import { ApiError } from "../domain/errors.js";

export interface JwtSettings {
  secret?: string;
  audience: string;
  jwksUrl?: string;
  jwksFile?: string;
}

export type JwtVerifier = (token: string) => Promise<JWTPayload>;

const unauthenticated = (description: string) =>
  new ApiError("unauthenticated", description, {
    headers: { "WWW-Authenticate": `Bearer error="invalid_token", error_description="${description}"` },
  });

export function createJwtVerifier(s: JwtSettings): JwtVerifier {
  const secret = s.secret ? new TextEncoder().encode(s.secret) : undefined;
  let jwks: JWTVerifyGetKey | undefined;
  if (s.jwksUrl) jwks = createRemoteJWKSet(new URL(s.jwksUrl));
  else if (s.jwksFile) jwks = createLocalJWKSet(JSON.parse(readFileSync(s.jwksFile, "utf8")));
  const algorithms = [...(secret ? ["HS256"] : []), ...(jwks ? ["RS256", "ES256"] : [])];

  const getKey: JWTVerifyGetKey = async (header, token) => {
    if (header.alg === "HS256" && secret) return secret;
    if (jwks && header.alg !== "HS256") return jwks(header, token);
    throw unauthenticated("unsupported token algorithm");
  };

  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, getKey, {
        algorithms,
        audience: s.audience,
        requiredClaims: ["exp", "sub"],
      });
      return payload;
    } catch (err) {
      if (err instanceof ApiError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw unauthenticated("token expired");
      if (err instanceof joseErrors.JWTClaimValidationFailed) throw unauthenticated(`token claim ${err.claim} is invalid`);
      throw unauthenticated("invalid token");
    }
  };
}
