// Signatures on Connect, gRPC and gRPC-Web responses (docs/signatures.md):
// RFC 9421's signature base and parameters, over what an RPC response is —
// the method, the status and the response message's protobuf encoding — sent
// in response trailers (gRPC trailers; Connect unary `trailer-` headers;
// gRPC-Web's trailer frame), signed with the same keys as REST.
import { createHash, sign } from "node:crypto";
import { serializeDictionary, serializeInnerList, type InnerList } from "structured-headers";
import type { SigningKey } from "./signing-keys.js";

export const RPC_SIGNATURE_TAG = "sovren-rpc";
export const RPC_TRAILERS = { digest: "sovren-content-digest", input: "sovren-signature-input", signature: "sovren-signature" } as const;

/** The signature base of an RPC response (exported for verifiers). */
export function rpcSignatureBase(rpcPath: string, digest: string, params: string): string {
  return [`"@rpc": ${rpcPath}`, `"@status": 0`, `"content-digest": ${digest}`, `"@signature-params": ${params}`].join("\n");
}

/** Trailers for a successful unary response; `rpcPath` is "/sovren.v1.Service/Method". */
export function signRpcResponse(key: SigningKey, rpcPath: string, message: Uint8Array, now = Date.now()): Record<string, string> {
  const digest = serializeDictionary(new Map([["sha-256", [createHash("sha256").update(message).digest(), new Map()]]]));
  const components: InnerList = [
    [
      ["@rpc", new Map()],
      ["@status", new Map()],
      ["content-digest", new Map()],
    ],
    new Map<string, string | number>([
      ["created", Math.floor(now / 1000)],
      ["keyid", key.kid],
      ["alg", "ed25519"],
      ["tag", RPC_SIGNATURE_TAG],
    ]),
  ];
  const params = serializeInnerList(components);
  const signature = sign(null, Buffer.from(rpcSignatureBase(rpcPath, digest, params), "utf8"), key.privateKey);
  return {
    [RPC_TRAILERS.digest]: digest,
    [RPC_TRAILERS.input]: serializeDictionary(new Map([["sovren", components]])),
    [RPC_TRAILERS.signature]: serializeDictionary(new Map([["sovren", [signature, new Map()]]])),
  };
}
