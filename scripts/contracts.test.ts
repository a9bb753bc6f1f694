// Tests of the contract gates themselves: each plants a drift or a breaking
// change in a temporary copy of the contracts and asserts that the gate fails
// with the precise message (and that the untouched copy passes).
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
// @ts-expect-error -- plain ESM module without type declarations
import { checkConsistency, loadOpenApi, loadProtoRegistry } from "./lib/consistency.mjs";

const repo = resolve(import.meta.dirname, "..");
const buf = join(repo, "node_modules/.bin/buf");
const temps: string[] = [];

afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A temporary copy of the contracts (and, with `full`, what generation needs). */
function copy(full = false): string {
  const dir = mkdtempSync(join(tmpdir(), "sovren-contracts-"));
  temps.push(dir);
  for (const entry of ["proto", "openapi", "buf.yaml", "buf.gen.yaml", "redocly.yaml"]) {
    cpSync(join(repo, entry), join(dir, entry), { recursive: true });
  }
  if (full) {
    cpSync(join(repo, "scripts"), join(dir, "scripts"), { recursive: true });
    cpSync(join(repo, "packages/contracts/src/gen"), join(dir, "packages/contracts/src/gen"), { recursive: true });
    symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"));
    const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "pipe" });
    git("init", "-q");
    git("add", "-A");
    git("-c", "user.email=ci@sovren.invalid", "-c", "user.name=ci", "commit", "-qm", "copy");
  }
  return dir;
}

function edit(dir: string, file: string, from: string | RegExp, to: string): void {
  const path = join(dir, file);
  const text = readFileSync(path, "utf8");
  const next = text.replace(from, to);
  if (next === text) throw new Error(`planting failed: ${String(from)} not found in ${file}`);
  writeFileSync(path, next);
}

function consistency(dir: string): string[] {
  return checkConsistency(loadProtoRegistry(dir, buf), loadOpenApi(dir));
}

/** Runs one gate of `pnpm check:contracts` on `dir`; returns its exit code and output. */
function gate(dir: string, name: string): { code: number; output: string } {
  try {
    const output = execFileSync(process.execPath, [join(repo, "scripts/check-contracts.mjs"), "--root", dir, "--only", name], {
      stdio: "pipe",
    }).toString();
    return { code: 0, output };
  } catch (err) {
    const e = err as { status: number; stdout: Buffer; stderr: Buffer };
    return { code: e.status, output: `${e.stdout}${e.stderr}` };
  }
}

describe("consistency gate (proto <-> OpenAPI)", () => {
  it("passes on the contracts as committed", () => {
    expect(consistency(repo)).toEqual([]);
  });

  it("fails when a field is renamed in the proto only", () => {
    const dir = copy();
    edit(dir, "proto/sovren/v1/executives.proto", "  string role = 3 [(google.api.field_behavior) = REQUIRED];\n  // Skills", "  string title = 3 [(google.api.field_behavior) = REQUIRED];\n  // Skills");
    expect(consistency(dir)).toEqual([
      "proto sovren.v1.Executive.title (JSON title) vs openapi #/components/schemas/Executive/properties/title: property missing in OpenAPI",
      "openapi #/components/schemas/Executive/properties/role: no field with JSON name role in proto sovren.v1.Executive",
    ]);
  });

  it("fails when a property is renamed in the OpenAPI document only", () => {
    const dir = copy();
    edit(dir, "openapi/sovren.v1.yaml", "        failureReason:\n", "        failureCause:\n");
    expect(consistency(dir)).toEqual([
      "proto sovren.v1.Communication.failure_reason (JSON failureReason) vs openapi #/components/schemas/Communication/properties/failureReason: property missing in OpenAPI",
      "openapi #/components/schemas/Communication/properties/failureCause: no field with JSON name failureCause in proto sovren.v1.Communication",
    ]);
  });

  it("fails when an enum value is added on the OpenAPI side only", () => {
    const dir = copy();
    edit(dir, "openapi/sovren.v1.yaml", "        - COMMUNICATION_STATUS_FAILED\n", "        - COMMUNICATION_STATUS_FAILED\n        - COMMUNICATION_STATUS_BOUNCED\n");
    expect(consistency(dir)).toEqual([
      "proto enum sovren.v1.CommunicationStatus vs openapi #/components/schemas/CommunicationStatus: enum values differ (only in OpenAPI: COMMUNICATION_STATUS_BOUNCED)",
    ]);
  });

  it("fails when an enum value is added on the proto side only", () => {
    const dir = copy();
    edit(dir, "proto/sovren/v1/operations.proto", "  OPERATION_STATE_CANCELLED = 5;\n", "  OPERATION_STATE_CANCELLED = 5;\n  // Paused.\n  OPERATION_STATE_PAUSED = 6;\n");
    expect(consistency(dir)).toEqual([
      "proto enum sovren.v1.OperationState vs openapi #/components/schemas/OperationState: enum values differ (only in proto: OPERATION_STATE_PAUSED)",
    ]);
  });

  it("fails when required-ness differs", () => {
    const dir = copy();
    edit(dir, "openapi/sovren.v1.yaml", "      required: [executiveId, recipient, message]\n", "      required: [executiveId, recipient]\n");
    expect(consistency(dir)).toEqual([
      "proto sovren.v1.SendCommunicationRequest.message (JSON message) vs openapi #/components/schemas/SendCommunicationRequest/properties/message: required-ness differs: proto says required (field_behavior REQUIRED), OpenAPI says optional",
    ]);
  });

  it("fails when a field's type differs", () => {
    const dir = copy();
    edit(dir, "proto/sovren/v1/simulations.proto", "  double threshold = 6 [", "  float threshold = 6 [");
    expect(consistency(dir)).toEqual([
      "proto sovren.v1.RunSimulationRequest.threshold (JSON threshold) vs openapi #/components/schemas/RunSimulationRequest/properties/threshold: type differs: proto float (JSON number/float), OpenAPI number, format double",
    ]);
  });

  it("fails when a numeric bound differs between proto and OpenAPI", () => {
    const dir = copy();
    edit(dir, "proto/sovren/v1/simulations.proto", "    (sovren.v1.maximum) = 1e15\n", "    (sovren.v1.maximum) = 1e12\n");
    edit(dir, "openapi/sovren.v1.yaml", "          maximum: 1000000\n          description: Standard deviation", "          description: Standard deviation");
    expect(consistency(dir)).toEqual([
      "proto sovren.v1.RunSimulationRequest.threshold (JSON threshold) vs openapi #/components/schemas/RunSimulationRequest/properties/threshold: maximum differs: proto (sovren.v1.maximum) 1000000000000, OpenAPI maximum 1000000000000000",
      "proto sovren.v1.SimulationFactor.stddev (JSON stddev) vs openapi #/components/schemas/SimulationFactor/properties/stddev: maximum differs: proto (sovren.v1.maximum) 1000000, OpenAPI maximum none",
    ]);
  });

  it("fails when a request string does not state the text rule, or a proto file lacks it", () => {
    const dir = copy();
    edit(dir, "openapi/sovren.v1.yaml", "        recipient:\n          type: string\n          pattern: '^[^\\x00]*$'\n", "        recipient:\n          type: string\n");
    edit(dir, "proto/sovren/v1/health.proto", 'option (sovren.v1.text_rule) = "no-nul-no-lone-surrogates";', "");
    expect(consistency(dir)).toEqual([
      'proto/sovren/v1/health.proto: option (sovren.v1.text_rule) is null, OpenAPI info.x-text-rule is "no-nul-no-lone-surrogates"',
      "openapi POST /v1/communications #/components/schemas/SendCommunicationRequest/properties/recipient: a request string needs a pattern that refuses U+0000 (e.g. '^[^\\x00]*$'; info.x-text-rule)",
    ]);
  });

  it("fails when a stream is described as its message instead of one server-sent event", () => {
    const dir = copy();
    edit(dir, "openapi/sovren.v1.yaml", "$ref: '#/components/schemas/WatchOperationEvent'", "$ref: '#/components/schemas/WatchOperationResponse'");
    expect(consistency(dir)).toEqual([
      "openapi GET /v1/operations/{operationId}:watch response 200 (one server-sent event): expected an event schema whose `data` is {type: string, contentMediaType: application/json, contentSchema: $ref WatchOperationResponse}",
    ]);
  });

  it("fails when an RPC has no REST operation, and names both sides", () => {
    const dir = copy();
    edit(dir, "openapi/sovren.v1.yaml", "  /v1/operations/{operationId}:cancel:\n", "  /v1/operations/{operationId}/cancel:\n");
    expect(consistency(dir)).toEqual([
      "proto/sovren/v1/operations.proto: rpc sovren.v1.OperationService.CancelOperation: maps to POST /v1/operations/{operationId}:cancel, but openapi/sovren.v1.yaml has no such operation",
      "openapi POST /v1/operations/{operationId}/cancel (operationId cancelOperation): no RPC maps to this operation (add a google.api.http rule or remove the operation)",
    ]);
  });

  it("fails when a query parameter drifts from the list request", () => {
    const dir = copy();
    edit(dir, "openapi/sovren.v1.yaml", "        - name: role\n          in: query\n", "        - name: roleName\n          in: query\n");
    expect(consistency(dir)).toEqual([
      "openapi GET /v1/executives: missing query parameter role (field sovren.v1.ListExecutivesRequest.role)",
      "openapi GET /v1/executives: query parameter roleName has no field in sovren.v1.ListExecutivesRequest",
    ]);
  });

  it("accepts an RPC without a REST mapping only when marked transport-specific with a reason", () => {
    const dir = copy();
    const rpc = "  rpc CheckReadiness(CheckReadinessRequest) returns (CheckReadinessResponse) {\n    option idempotency_level = NO_SIDE_EFFECTS;\n    option (google.api.http) = {get: \"/v1/health/ready\"};\n  }\n";
    edit(dir, "proto/sovren/v1/health.proto", rpc, rpc + "  // Probes the inference backends only.\n  rpc CheckBackends(CheckBackendsRequest) returns (CheckBackendsResponse);\n");
    edit(dir, "proto/sovren/v1/health.proto", "// Request for HealthService.CheckReadiness.", "// Request.\nmessage CheckBackendsRequest {}\n\n// Response.\nmessage CheckBackendsResponse {}\n\n// Request for HealthService.CheckReadiness.");
    expect(consistency(dir)).toEqual([
      'proto/sovren/v1/health.proto: rpc sovren.v1.HealthService.CheckBackends: no google.api.http rule and not marked "transport-specific: <reason>"',
    ]);
    edit(dir, "proto/sovren/v1/health.proto", "  // Probes the inference backends only.\n", "  // Probes the inference backends only.\n  // transport-specific: an internal probe for gRPC load balancers.\n");
    expect(consistency(dir)).toEqual([]);
  });
});

describe("breaking-change gate (buf breaking against proto/baseline.binpb)", () => {
  it("passes on the contracts as committed", () => {
    expect(gate(copy(), "breaking")).toMatchObject({ code: 0 });
  });

  it("fails on a removed field", () => {
    const dir = copy();
    edit(dir, "proto/sovren/v1/communications.proto", /  \/\/ Why delivery failed, when it did\.\n  string failure_reason = 8 \[[^\]]*\];\n/, "");
    const { code, output } = gate(dir, "breaking");
    expect(code).toBe(1);
    expect(output).toContain('Previously present field "8" with name "failure_reason" on message "Communication" was deleted.');
  });

  it("fails on a changed field number", () => {
    const dir = copy();
    edit(dir, "proto/sovren/v1/executives.proto", "  string reason = 2;", "  string reason = 3;");
    const { code, output } = gate(dir, "breaking");
    expect(code).toBe(1);
    expect(output).toContain('Previously present field "2" with name "reason" on message "RetireExecutiveRequest" was deleted.');
  });

  it("fails on a changed field type", () => {
    const dir = copy();
    edit(dir, "proto/sovren/v1/operations.proto", "  double progress = 6 [", "  float progress = 6 [");
    const { code, output } = gate(dir, "breaking");
    expect(code).toBe(1);
    expect(output).toContain('Field "6" with name "progress" on message "Operation" changed type from "double" to "float".');
  });

  it("fails on a renamed RPC", () => {
    const dir = copy();
    edit(dir, "proto/sovren/v1/executives.proto", "  rpc RetireExecutive(", "  rpc DecommissionExecutive(");
    const { code, output } = gate(dir, "breaking");
    expect(code).toBe(1);
    expect(output).toContain('Previously present RPC "RetireExecutive" on service "ExecutiveService" was deleted.');
  });
});

describe("lint and OpenAPI gates", () => {
  it("buf lint fails on a non-standard name", () => {
    const dir = copy();
    edit(dir, "proto/sovren/v1/health.proto", "message CheckHealthRequest {}", "message checkHealthRequest {}");
    edit(dir, "proto/sovren/v1/health.proto", "rpc CheckHealth(CheckHealthRequest)", "rpc CheckHealth(checkHealthRequest)");
    const { code, output } = gate(dir, "lint");
    expect(code).toBe(1);
    expect(output).toContain('Message name "checkHealthRequest" should be PascalCase, such as "CheckHealthRequest".');
  });

  it("redocly fails on an operation without an operationId", () => {
    const dir = copy();
    edit(dir, "openapi/sovren.v1.yaml", "      operationId: checkHealth\n", "");
    const { code, output } = gate(dir, "openapi");
    expect(code).toBe(1);
    expect(output).toContain("operation-operationId");
  });
});

describe("freshness gate", () => {
  it("passes when nothing changed, fails when the contract changed without regenerating", () => {
    const dir = copy(true);
    expect(gate(dir, "fresh")).toMatchObject({ code: 0 });
    edit(dir, "openapi/sovren.v1.yaml", "        failureReason:\n", "        failureDetail:\n          type: string\n        failureReason:\n");
    execFileSync("git", ["-c", "user.email=ci@sovren.invalid", "-c", "user.name=ci", "commit", "-qam", "contract change"], { cwd: dir });
    const { code, output } = gate(dir, "fresh");
    expect(code).toBe(1);
    expect(output).toContain("generated code is stale; run `pnpm generate` and commit:");
    expect(output).toContain("packages/contracts/src/gen/openapi/schema.ts");
    expect(output).toContain("packages/contracts/src/gen/zod/schemas.ts");
  });
});
