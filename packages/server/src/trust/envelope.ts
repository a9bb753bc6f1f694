// Envelope encryption of private keys: AES-256-GCM (node:crypto) with a
// random 96-bit IV and the record's identity as additional data, so that a
// ciphertext moved to another row (another tenant, another kid) fails to
// decrypt. Sealed form: base64url(iv ‖ ciphertext ‖ 16-byte tag).
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

export function seal(key: Buffer, plaintext: Buffer, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, ct, cipher.getAuthTag()]).toString("base64url");
}

export function open(key: Buffer, sealed: string, aad: string): Buffer {
  const raw = Buffer.from(sealed, "base64url");
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(aad, "utf8"));
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]);
}

/** A KEK's public identifier: the first 16 hex digits of its SHA-256. */
export function kekId(kek: Buffer): string {
  return createHash("sha256").update(kek).digest("hex").slice(0, 16);
}
