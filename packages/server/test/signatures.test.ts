// Signed responses (issue 13): every successful REST response carries
// Content-Digest and an RFC 9421 signature by the executive that produced it
// (else by the server), with public keys at /.well-known/jwks.json and
// /v1/executives/{id}/keys. An independent verifier — pyauth's
// http-message-signatures (PyPI), in a venv built by
// scripts/signatures/setup-python.sh — checks real responses and refuses
// altered ones; it runs when SOVREN_SIGNATURE_TESTS=1 (set by .ci/run).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createHash, createPublicKey, verify } from "node:crypto";
import { toBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { ExecutiveService, GetExecutiveResponseSchema } from "@sovren/contracts/proto";
import { parseDictionary } from "structured-headers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rpcSignatureBase, RPC_TRAILERS } from "../src/trust/rpc-signature.js";
import { SigningKeys } from "../src/trust/signing-keys.js";
import { BACKENDS, postgresReachable, rest, startTestServer, type TestServer, type Transport } from "./harness.js";

const pgOk = await postgresReachable();
const repo = fileURLToPath(new URL("../../..", import.meta.url));
const python = `${repo}.venv/signatures/bin/python`;
const independent = process.env.SOVREN_SIGNATURE_TESTS === "1";

interface Case { method: string; path: string; body?: unknown; tamper?: Record<string, unknown> }
interface Verdict { ok: boolean; keyid: string; error: string; status: number }

/** Async: the server runs in this process and must keep answering while Python calls it. */
function verifyWithPython(server: TestServer, token: string, cases: Case[]): Promise<Verdict[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [`${repo}scripts/signatures/verify_responses.py`], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out) as Verdict[]) : reject(new Error(`verifier exited ${code}: ${err}`))));
    child.stdin.end(JSON.stringify(cases.map((c) => ({ ...c, base: server.url, token }))));
  });
}

describe.each(BACKENDS)("signed responses over %s", (backend) => {
  const skip = backend === "postgres" && !pgOk;
  let server: TestServer;
  let admin: string;
  let exec: string;
  let other: string;
  let op: string;
  beforeAll(async () => {
    if (skip) return;
    server = (await startTestServer(backend))!;
    admin = await server.token("sig-t");
    const post = async (path: string, json: unknown) => (await (await rest(server, admin, path, { method: "POST", json })).json()) as any;
    exec = (await post("/v1/executives", { role: "CEO", name: "Signer" })).executiveId;
    other = (await post("/v1/executives", { role: "CTO", name: "Other" })).executiveId;
    op = (await post("/v1/simulations:run", { userId: "u", scenario: "s", trials: 100, executiveId: exec })).operationId;
  }, 180_000); // PGlite starts slowly on a loaded machine
  afterAll(async () => server?.close());

  it.skipIf(skip)("signs with the producing executive's key, else the server's, and publishes both as JWKS", async () => {
    const jwks = await rest(server, undefined, "/.well-known/jwks.json");
    expect(jwks.status).toBe(200);
    expect(jwks.headers.get("content-type")).toBe("application/jwk-set+json");
    const serverKeys = ((await jwks.json()) as { keys: { kid: string; kty: string; crv: string; x: string }[] }).keys;
    expect(serverKeys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "Ed25519", use: "sig" });
    expect(serverKeys[0]!.kid).toMatch(/^server\/[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(serverKeys)).not.toMatch(/"d"/);
    const execKeys = (await (await rest(server, admin, `/v1/executives/${exec}/keys`)).json()) as { keys: { kid: string }[] };
    expect(execKeys.keys).toHaveLength(1);
    expect(execKeys.keys[0]!.kid).toMatch(new RegExp(`^executives/${exec}/keys/[A-Za-z0-9_-]{43}$`));
    expect((await rest(server, await server.token("sig-other"), `/v1/executives/${exec}/keys`)).status).toBe(404);

    const get = await rest(server, admin, `/v1/executives/${exec}`);
    const body = await get.text();
    expect(get.headers.get("content-digest")).toMatch(/^sha-256=:[A-Za-z0-9+/]{43}=:$/);
    const input = get.headers.get("signature-input")!;
    expect(input).toContain(`sovren=("@status" "content-type" "content-digest" "@method";req "@path";req);created=`);
    expect(input).toContain(`keyid="${execKeys.keys[0]!.kid}";alg="ed25519";tag="sovren"`);
    expect(get.headers.get("signature")).toMatch(/^sovren=:[A-Za-z0-9+/]{86}==:$/);
    expect(body).toContain(exec);
    const list = await rest(server, admin, "/v1/executives");
    expect(list.headers.get("signature-input")).toContain(`keyid="${serverKeys[0]!.kid}"`);
    // Errors are not signed (only successful responses are).
    expect((await rest(server, admin, "/v1/executives/00000000-0000-4000-8000-000000000000")).headers.get("signature")).toBeNull();
  });

  it.skipIf(skip || !independent)("an independent RFC 9421 verifier accepts real responses and refuses altered or replayed ones", async () => {
    expect(existsSync(python), "run scripts/signatures/setup-python.sh").toBe(true);
    const cases: Case[] = [
      { method: "GET", path: `/v1/executives/${exec}` },
      { method: "GET", path: "/v1/executives" },
      { method: "GET", path: `/v1/operations/${op}` },
      { method: "POST", path: "/v1/communications", body: { executiveId: exec, recipient: "r@example.com", message: "signed" } },
      { method: "GET", path: "/v1/audit/head" },
      { method: "GET", path: `/v1/executives/${exec}`, tamper: { body: '{"id":"forged"}' } },
      { method: "GET", path: `/v1/executives/${exec}`, tamper: { status: 203 } },
      { method: "GET", path: `/v1/executives/${exec}`, tamper: { header: ["Content-Type", "text/plain"] } },
      { method: "GET", path: `/v1/executives/${exec}`, tamper: { path: `/v1/executives/${other}` } },
    ];
    const v = await verifyWithPython(server, admin, cases);
    console.log(`[signatures/${backend}] independent verifier:\n${v.map((r, i) => `  ${cases[i]!.method} ${cases[i]!.path}${cases[i]!.tamper ? ` tampered ${JSON.stringify(cases[i]!.tamper)}` : ""} → ${r.ok ? `verified, keyid ${r.keyid}` : `refused (${r.error})`}`).join("\n")}`);
    for (const i of [0, 1, 2, 3, 4]) expect(v[i], JSON.stringify(cases[i])).toMatchObject({ ok: true });
    expect(v[0]!.keyid).toMatch(new RegExp(`^executives/${exec}/keys/`));
    expect(v[1]!.keyid).toMatch(/^server\//);
    expect(v[2]!.keyid).toMatch(new RegExp(`^executives/${exec}/keys/`));
    expect(v[3]!.keyid).toMatch(new RegExp(`^executives/${exec}/keys/`));
    expect(v[4]!.keyid).toMatch(/^server\//);
    for (const i of [5, 6, 7, 8]) expect(v[i], JSON.stringify(cases[i])).toMatchObject({ ok: false });
    expect(v[5]!.error).toMatch(/digest/i);
  }, 60_000);

  it.skipIf(skip)("signs Connect, gRPC and gRPC-Web responses in trailers with the same keys", async () => {
    const jwks = (await (await rest(server, admin, `/v1/executives/${exec}/keys`)).json()) as { keys: { kid: string; x: string }[] };
    for (const transport of ["connect", "grpc", "grpc-web"] as Transport[]) {
      let trailer: Headers | undefined;
      const interceptors = [
        (next: any) => async (req: any) => {
          req.header.set("authorization", `Bearer ${admin}`);
          const res = await next(req);
          trailer = res.trailer;
          return res;
        },
      ];
      const t =
        transport === "grpc"
          ? createGrpcTransport({ baseUrl: server.url, interceptors })
          : transport === "grpc-web"
            ? createGrpcWebTransport({ baseUrl: server.url, httpVersion: "1.1", interceptors })
            : createConnectTransport({ baseUrl: server.url, httpVersion: "1.1", interceptors });
      const res = await createClient(ExecutiveService, t).getExecutive({ id: exec });
      const bytes = toBinary(GetExecutiveResponseSchema, res);
      const digest = trailer!.get(RPC_TRAILERS.digest)!;
      const input = trailer!.get(RPC_TRAILERS.input)!;
      const [sigItem] = parseDictionary(trailer!.get(RPC_TRAILERS.signature)!).get("sovren") as [ArrayBuffer, unknown];
      const params = input.slice("sovren=".length);
      const keyid = /keyid="([^"]+)"/.exec(input)![1]!;
      expect(keyid, transport).toBe(jwks.keys[0]!.kid);
      expect(digest).toBe(`sha-256=:${createHash("sha256").update(bytes).digest("base64")}:`);
      const publicKey = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: jwks.keys[0]!.x }, format: "jwk" });
      const base = rpcSignatureBase("/sovren.v1.ExecutiveService/GetExecutive", digest, params);
      expect(verify(null, Buffer.from(base), publicKey, Buffer.from(sigItem)), transport).toBe(true);
      // Another method, or other bytes, do not verify.
      expect(verify(null, Buffer.from(rpcSignatureBase("/sovren.v1.ExecutiveService/RetireExecutive", digest, params)), publicKey, Buffer.from(sigItem))).toBe(false);
      const forged = `sha-256=:${createHash("sha256").update(Buffer.concat([bytes, Buffer.from([0])])).digest("base64")}:`;
      expect(verify(null, Buffer.from(rpcSignatureBase("/sovren.v1.ExecutiveService/GetExecutive", forged, params)), publicKey, Buffer.from(sigItem))).toBe(false);
    }
  });

  it.skipIf(skip)("a rotated executive key stays published, after the new current one", async () => {
    const before = (await (await rest(server, admin, `/v1/executives/${other}/keys`)).json()) as { keys: { kid: string }[] };
    // What `sovren-server keys rotate --tenant … --executive …` does (trust/keys-cli.ts).
    const keys = new SigningKeys(server.db, server.config.signing.kek);
    const kid = await server.db.transaction("sig-t", (tx) => keys.createExecutiveKey(tx, "sig-t", other));
    const after = (await (await rest(server, admin, `/v1/executives/${other}/keys`)).json()) as { keys: { kid: string }[] };
    expect(after.keys.map((k) => k.kid)).toEqual([kid, ...before.keys.map((k) => k.kid)]);
    // A fresh key store (another instance, or this one after its cache) signs with the new key.
    expect((await keys.executive("sig-t", other)).kid).toBe(kid);
  });
});
