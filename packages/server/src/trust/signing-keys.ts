// Ed25519 signing keys: the server's (for responses no executive produced)
// and each executive's (created when it is commissioned). Private keys are
// stored sealed (envelope.ts): an executive's under its tenant's data key,
// itself sealed under the KEK; the server's under the KEK. Decrypted keys are
// cached in memory for a minute; they are never logged or returned.
//
// Key ids say where their public key is published:
//   server/<thumbprint>                    → GET /.well-known/jwks.json
//   executives/<id>/keys/<thumbprint>      → GET /v1/executives/<id>/keys
// where <thumbprint> is the RFC 7638 JWK thumbprint (also the JWK's `kid`).
import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { calculateJwkThumbprint, type JWK } from "jose";
import type { Db, Queryable } from "../store/db.js";
import { kekId, open, seal } from "./envelope.js";

export interface PublicJwk extends JWK {
  kid: string;
  kty: "OKP";
  crv: "Ed25519";
  x: string;
  alg: "Ed25519";
  use: "sig";
}

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
}

async function newKeyPair(kidPrefix: string): Promise<{ kid: string; jwk: PublicJwk; pkcs8: Buffer }> {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const exported = publicKey.export({ format: "jwk" }) as { x: string };
  const thumbprint = await calculateJwkThumbprint({ kty: "OKP", crv: "Ed25519", x: exported.x }, "sha256");
  const kid = `${kidPrefix}${thumbprint}`;
  return {
    kid,
    jwk: { kty: "OKP", crv: "Ed25519", x: exported.x, kid, alg: "Ed25519", use: "sig" },
    pkcs8: privateKey.export({ format: "der", type: "pkcs8" }),
  };
}

const CACHE_MS = 60_000;

export class SigningKeys {
  readonly #kek: Buffer;
  readonly #kekId: string;
  #server: SigningKey | undefined;
  #serverJwks: PublicJwk[] = [];
  readonly #executives = new Map<string, { key: SigningKey; at: number }>();

  constructor(
    private readonly db: Db,
    kek: Buffer,
  ) {
    if (kek.length !== 32) throw new Error("the key-encryption key must be 32 bytes");
    this.#kek = kek;
    this.#kekId = kekId(kek);
  }

  /** Loads the server's current key (creating the first one) and its published keys. */
  async start(): Promise<void> {
    await this.db.ownerTransaction(async (tx) => {
      const { rows } = await tx.query("SELECT 1 FROM server_keys WHERE retire_time IS NULL LIMIT 1");
      if (!rows.length) await this.#insertServerKey(tx);
    });
    await this.reloadServerKeys();
  }

  async reloadServerKeys(): Promise<void> {
    const { rows } = await this.db.ownerTransaction((tx) =>
      tx.query("SELECT kid, public_jwk, private_key, kek_id, retire_time FROM server_keys ORDER BY create_time DESC"),
    );
    const current = rows.find((r) => r.retire_time === null);
    if (current) {
      if (current.kek_id !== this.#kekId) throw new Error(`the server's signing key was sealed under KEK ${String(current.kek_id)}, not the configured one (${this.#kekId})`);
      this.#server = { kid: String(current.kid), privateKey: createPrivateKey({ key: open(this.#kek, String(current.private_key), String(current.kid)), format: "der", type: "pkcs8" }) };
    }
    this.#serverJwks = rows.map((r) => r.public_jwk as PublicJwk);
  }

  /** The server's published keys (current first, then rotated ones). */
  serverJwks(): { keys: PublicJwk[] } {
    return { keys: this.#serverJwks };
  }

  server(): SigningKey {
    if (!this.#server) throw new Error("signing keys not loaded");
    return this.#server;
  }

  async #insertServerKey(tx: Queryable): Promise<string> {
    const { kid, jwk, pkcs8 } = await newKeyPair("server/");
    await tx.query("UPDATE server_keys SET retire_time = clock_timestamp() WHERE retire_time IS NULL");
    await tx.query("INSERT INTO server_keys (kid, public_jwk, private_key, kek_id) VALUES ($1, $2, $3, $4)", [kid, JSON.stringify(jwk), seal(this.#kek, pkcs8, kid), this.#kekId]);
    return kid;
  }

  /** Rotates the server's key: a new current key; the old one stays published. */
  async rotateServerKey(): Promise<string> {
    const kid = await this.db.ownerTransaction((tx) => this.#insertServerKey(tx));
    await this.reloadServerKeys();
    return kid;
  }

  async #dataKey(tx: Queryable, tenantId: string): Promise<Buffer> {
    const { rows } = await tx.query("SELECT wrapped_key, kek_id FROM tenant_data_keys WHERE tenant_id = $1", [tenantId]);
    if (rows[0]) {
      if (rows[0].kek_id !== this.#kekId) throw new Error(`tenant ${tenantId}'s data key was sealed under another KEK (${String(rows[0].kek_id)})`);
      return open(this.#kek, String(rows[0].wrapped_key), `dek:${tenantId}`);
    }
    const dek = randomBytes(32);
    // Concurrent first keys of one tenant: one insert wins and the other rereads.
    const inserted = await tx.query(
      "INSERT INTO tenant_data_keys (tenant_id, wrapped_key, kek_id) VALUES ($1, $2, $3) ON CONFLICT (tenant_id) DO NOTHING RETURNING tenant_id",
      [tenantId, seal(this.#kek, dek, `dek:${tenantId}`), this.#kekId],
    );
    return inserted.rows.length ? dek : this.#dataKey(tx, tenantId);
  }

  /**
   * Creates a new current key for the executive in `tx` (commission, rotation);
   * earlier keys are retired but stay published. Returns the new key id.
   */
  async createExecutiveKey(tx: Queryable, tenantId: string, executiveId: string): Promise<string> {
    const dek = await this.#dataKey(tx, tenantId);
    const { kid, jwk, pkcs8 } = await newKeyPair(`executives/${executiveId}/keys/`);
    await tx.query("UPDATE executive_keys SET retire_time = clock_timestamp() WHERE executive_id = $1 AND retire_time IS NULL", [executiveId]);
    await tx.query("INSERT INTO executive_keys (kid, tenant_id, executive_id, public_jwk, private_key) VALUES ($1, $2, $3, $4, $5)", [
      kid,
      tenantId,
      executiveId,
      JSON.stringify(jwk),
      seal(dek, pkcs8, kid),
    ]);
    this.#executives.delete(`${tenantId}/${executiveId}`);
    return kid;
  }

  /** The executive's current signing key (one created now if it has none, e.g. commissioned before keys existed). */
  async executive(tenantId: string, executiveId: string): Promise<SigningKey> {
    const cacheKey = `${tenantId}/${executiveId}`;
    const hit = this.#executives.get(cacheKey);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.key;
    const key = await this.db.transaction(tenantId, async (tx) => {
      let { rows } = await tx.query("SELECT kid, private_key FROM executive_keys WHERE executive_id = $1 AND retire_time IS NULL", [executiveId]);
      if (!rows[0]) {
        await this.createExecutiveKey(tx, tenantId, executiveId);
        ({ rows } = await tx.query("SELECT kid, private_key FROM executive_keys WHERE executive_id = $1 AND retire_time IS NULL", [executiveId]));
      }
      const dek = await this.#dataKey(tx, tenantId);
      const kid = String(rows[0]!.kid);
      return { kid, privateKey: createPrivateKey({ key: open(dek, String(rows[0]!.private_key), kid), format: "der", type: "pkcs8" }) };
    });
    if (this.#executives.size > 10_000) this.#executives.clear();
    this.#executives.set(cacheKey, { key, at: Date.now() });
    return key;
  }
}

/** The executive's published keys, current first (tenant-scoped by row-level security). */
export async function executiveJwks(tx: Queryable, executiveId: string): Promise<PublicJwk[]> {
  const { rows } = await tx.query("SELECT public_jwk FROM executive_keys WHERE executive_id = $1 ORDER BY create_time DESC", [executiveId]);
  return rows.map((r) => r.public_jwk as PublicJwk);
}
