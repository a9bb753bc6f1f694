// RFC 9421 HTTP Message Signatures on REST responses, with the RFC 9530
// Content-Digest (sha-256) they cover. Structured fields are serialised by
// `structured-headers` (RFC 8941/9651); the signature is Ed25519 (node:crypto).
//
// Covered: "@status", "content-type", "content-digest", and the request's
// "@method";req and "@path";req, so that a response cannot be passed off as
// the answer to another request. Parameters: created, keyid, alg="ed25519",
// tag="sovren". Label: "sovren".
import { createHash, sign } from "node:crypto";
import { serializeDictionary, serializeInnerList, type InnerList } from "structured-headers";
import type { SigningKey } from "./signing-keys.js";

export const SIGNATURE_LABEL = "sovren";
export const SIGNATURE_TAG = "sovren";
export const COVERED = ["@status", "content-type", "content-digest", "@method;req", "@path;req"] as const;

export function contentDigest(body: string | Buffer): string {
  return serializeDictionary(new Map([["sha-256", [createHash("sha256").update(body).digest(), new Map()]]]));
}

export interface ResponseToSign {
  status: number;
  contentType: string;
  body: string;
  /** The request's method and path (without the query). */
  method: string;
  path: string;
}

/** The three headers to add to the response. */
export function signResponse(key: SigningKey, r: ResponseToSign, now = Date.now()): Record<string, string> {
  const digest = contentDigest(r.body);
  const components: InnerList = [
    [
      ["@status", new Map()],
      ["content-type", new Map()],
      ["content-digest", new Map()],
      ["@method", new Map([["req", true]])],
      ["@path", new Map([["req", true]])],
    ],
    new Map<string, string | number>([
      ["created", Math.floor(now / 1000)],
      ["keyid", key.kid],
      ["alg", "ed25519"],
      ["tag", SIGNATURE_TAG],
    ]),
  ];
  const params = serializeInnerList(components);
  const base = [
    `"@status": ${r.status}`,
    `"content-type": ${r.contentType}`,
    `"content-digest": ${digest}`,
    `"@method";req: ${r.method.toUpperCase()}`,
    `"@path";req: ${r.path || "/"}`,
    `"@signature-params": ${params}`,
  ].join("\n");
  const signature = sign(null, Buffer.from(base, "utf8"), key.privateKey);
  return {
    "Content-Digest": digest,
    "Signature-Input": serializeDictionary(new Map([[SIGNATURE_LABEL, components]])),
    Signature: serializeDictionary(new Map([[SIGNATURE_LABEL, [signature, new Map()]]])),
  };
}
