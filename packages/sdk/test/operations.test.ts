import { operations as contract } from "@sovren/contracts/zod";
import { describe, expect, it } from "vitest";
import { allOperationIds, operationSpec } from "../src/internal/operations.js";
import { rpcMethod } from "../src/internal/rpc.js";
import { fixtures } from "../src/testing.js";
import * as schemas from "@sovren/contracts/zod";

describe("operation table", () => {
  it("covers every operation of the contract, each with its RPC", () => {
    expect(allOperationIds().sort()).toEqual(Object.keys(contract).sort());
    for (const id of allOperationIds()) {
      const method = rpcMethod(operationSpec(id));
      expect(method.methodKind === "server_streaming", id).toBe(operationSpec(id).stream === true);
      const unwrap = operationSpec(id).unwrap;
      if (unwrap) expect(method.output.fields.map((f) => f.jsonName), id).toContain(unwrap);
    }
  });

  it("fixtures are valid per the contract's validators", () => {
    expect(schemas.Executive.safeParse(fixtures.executive()).success).toBe(true);
    expect(schemas.Operation.safeParse(fixtures.operation({ result: fixtures.simulationResult() })).success).toBe(true);
    expect(schemas.Communication.safeParse(fixtures.communication()).success).toBe(true);
  });
});
