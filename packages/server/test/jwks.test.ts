// Production tokens: RS256 and ES256 verified against a configured JWKS; a
// key outside the set, or an HS256 token when no shared secret is configured,
// is refused.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_JWT_SECRET } from "../src/index.js";
import { rest, startTestServer, type TestServer } from "./harness.js";

const now = () => Math.floor(Date.now() / 1000);

describe("JWKS (RS256 / ES256)", () => {
  let server: TestServer;
  let rsa: CryptoKeyPair;
  let ec: CryptoKeyPair;
  let stranger: CryptoKeyPair;

  beforeAll(async () => {
    rsa = await generateKeyPair("RS256", { extractable: true });
    ec = await generateKeyPair("ES256", { extractable: true });
    stranger = await generateKeyPair("RS256", { extractable: true });
    const keys = [
      { ...(await exportJWK(rsa.publicKey)), kid: "rsa-1", alg: "RS256", use: "sig" },
      { ...(await exportJWK(ec.publicKey)), kid: "ec-1", alg: "ES256", use: "sig" },
    ];
    const file = join(mkdtempSync(join(tmpdir(), "sovren-jwks-")), "jwks.json");
    writeFileSync(file, JSON.stringify({ keys }));
    // A JWKS and no shared secret: only the asymmetric algorithms are accepted.
    server = (await startTestServer("pglite", { env: { SOVREN_JWKS_FILE: file } }))!;
  });
  afterAll(async () => server?.close());

  const sign = (alg: string, kid: string, key: CryptoKey) =>
    new SignJWT({ tenant_id: "jwks-tenant", roles: ["viewer"] })
      .setProtectedHeader({ alg, kid })
      .setSubject("machine-1")
      .setAudience("sovren")
      .setExpirationTime(now() + 600)
      .sign(key);

  it("accepts RS256 and ES256 tokens signed by keys in the set", async () => {
    expect((await rest(server, await sign("RS256", "rsa-1", rsa.privateKey), "/v1/executives")).status).toBe(200);
    expect((await rest(server, await sign("ES256", "ec-1", ec.privateKey), "/v1/executives")).status).toBe(200);
  });

  it("refuses a key outside the set and an HS256 token", async () => {
    expect((await rest(server, await sign("RS256", "rsa-1", stranger.privateKey), "/v1/executives")).status).toBe(401);
    const hs = await new SignJWT({ tenant_id: "jwks-tenant", roles: ["admin"] })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("u")
      .setAudience("sovren")
      .setExpirationTime(now() + 600)
      .sign(new TextEncoder().encode(DEV_JWT_SECRET));
    expect((await rest(server, hs, "/v1/executives")).status).toBe(401);
  });
});
