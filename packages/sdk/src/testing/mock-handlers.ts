import type { components } from "@sovren/contracts/openapi";
import type { OperationId } from "../internal/operations.js";
import { fixtures } from "./fixtures.js";
import { MockProblem } from "./mock-problem.js";

type S = components["schemas"];
type Json = Record<string, unknown>;

/** The mock's data: plain maps, newest last. */
export interface MockState {
  executives: Map<string, S["Executive"]>;
  operations: Map<string, S["Operation"]>;
  communications: Map<string, S["Communication"]>;
}

// Page tokens of the contract's shape (the `pageToken` pattern): base64url of
// "v1:" and the offset, as the reference server writes its keyset positions.
const encodeToken = (offset: number) => btoa(`v1:${offset}`).replace(/=+$/, "");
function decodeToken(token: string): number | undefined {
  try {
    const m = /^v1:(\d{1,18})$/.exec(atob(token.replace(/-/g, "+").replace(/_/g, "/")));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function page<T>(items: T[], input: Json) {
  const size = Number(input["pageSize"] ?? 0) || 50;
  const token = String(input["pageToken"] ?? "");
  const offset = token === "" ? 0 : decodeToken(token);
  if (offset === undefined || !Number.isSafeInteger(offset)) {
    throw new MockProblem("invalid_argument", "invalid page token");
  }
  const slice = items.slice(offset, offset + size);
  return { slice, nextPageToken: offset + size < items.length ? encodeToken(offset + size) : "" };
}

const newestFirst = <T>(map: Map<string, T>) => [...map.values()].reverse();

function find<T>(map: Map<string, T>, id: unknown, what: string): T {
  const found = map.get(String(id));
  if (!found) throw new MockProblem("not_found", `${what} ${String(id)} not found`);
  return found;
}

/** Moves a simulation one step: PENDING → RUNNING → SUCCEEDED. */
export function advance(op: S["Operation"]): S["Operation"] {
  if (op.done) return op;
  const updateTime = new Date().toISOString();
  if (op.state === "OPERATION_STATE_PENDING") return { ...op, state: "OPERATION_STATE_RUNNING", progress: 0.5, updateTime };
  const result = fixtures.simulationResult();
  return { ...op, state: "OPERATION_STATE_SUCCEEDED", progress: 1, done: true, result, confidence: result.confidence, executedAt: updateTime, updateTime };
}

/** The unary operations, by operationId: JSON request message in, JSON response message out. */
export const mockHandlers: { [K in OperationId]?: (state: MockState, input: Json) => Json } = {
  commissionExecutive(state, input) {
    const name = String(input["name"]);
    if ([...state.executives.values()].some((e) => e.name === name)) throw new MockProblem("already_exists", `an executive named ${name} exists`);
    const executive = fixtures.executive({ ...(input as Partial<S["Executive"]>) });
    state.executives.set(executive.id, executive);
    return { executiveId: executive.id, status: "active", message: `Executive ${name} created successfully`, executive };
  },
  getExecutive: (state, input) => ({ executive: find(state.executives, input["id"], "executive") }),
  listExecutives(state, input) {
    const all = newestFirst(state.executives).filter(
      (e) => (!input["role"] || e.role === input["role"]) && (!input["state"] || e.state === input["state"]),
    );
    const { slice, nextPageToken } = page(all, input);
    return { executives: slice, nextPageToken };
  },
  updateExecutive(state, input) {
    const current = find(state.executives, input["id"], "executive");
    const { id: _id, updateMask: _mask, ...changes } = input;
    const executive = { ...current, ...(changes as Partial<S["Executive"]>), updateTime: new Date().toISOString() };
    state.executives.set(executive.id, executive);
    return { executive };
  },
  retireExecutive(state, input) {
    const current = find(state.executives, input["id"], "executive");
    const time = new Date().toISOString();
    const executive: S["Executive"] = { ...current, state: "EXECUTIVE_STATE_RETIRED", retireTime: time, updateTime: time };
    state.executives.set(executive.id, executive);
    return { executive };
  },
  runSimulation(state, input) {
    const operation = fixtures.operation({ parameters: input, executiveId: String(input["executiveId"] ?? ""), userId: String(input["userId"]) });
    state.operations.set(operation.operationId, operation);
    return { operation };
  },
  getOperation(state, input) {
    const operation = advance(find(state.operations, input["operationId"], "operation"));
    state.operations.set(operation.operationId, operation);
    return { operation };
  },
  waitOperation(state, input) {
    return mockHandlers.getOperation!(state, input);
  },
  listOperations(state, input) {
    const all = newestFirst(state.operations).filter((o) => !input["state"] || o.state === input["state"]);
    const { slice, nextPageToken } = page(all, input);
    return { operations: slice, nextPageToken };
  },
  cancelOperation(state, input) {
    const current = find(state.operations, input["operationId"], "operation");
    const operation: S["Operation"] = current.done ? current : { ...current, state: "OPERATION_STATE_CANCELLED", done: true };
    state.operations.set(operation.operationId, operation);
    return { operation };
  },
  sendCommunication(state, input) {
    const communication = fixtures.communication(input as Partial<S["Communication"]>);
    state.communications.set(communication.messageId, communication);
    return { communication };
  },
  getCommunication: (state, input) => ({ communication: find(state.communications, input["messageId"], "communication") }),
  listCommunications(state, input) {
    const all = newestFirst(state.communications).filter((c) => !input["executiveId"] || c.executiveId === input["executiveId"]);
    const { slice, nextPageToken } = page(all, input);
    return { communications: slice, nextPageToken };
  },
  checkHealth: () => ({ status: "SERVING_STATUS_SERVING", version: "mock" }),
  checkReadiness: () => ({
    status: "SERVING_STATUS_SERVING",
    dependencies: [{ name: "embedded", status: "SERVING_STATUS_SERVING", latencyMs: 0, message: "" }],
  }),
};
