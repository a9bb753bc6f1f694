// A client going away is not a server fault: the errors Node and connect-es
// raise for it are logged at debug and answered as CANCELED; anything else
// unexpected is still an error-level INTERNAL.
import { Code, ConnectError, createContextValues } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { createLogger } from "../observability/logger.js";
import { DatabaseUnavailableError } from "../store/db.js";
import { isClientGone } from "./client-gone.js";
import { kRequestState, rpcFailure } from "./connect/routes.js";
import type { RequestState } from "./request-state.js";

const nodeError = (code: string) => Object.assign(new Error(`boom ${code}`), { code });

function context(aborted = false) {
  const lines: { level: string; msg: string }[] = [];
  const log = createLogger("debug", {}, (l) => void lines.push(JSON.parse(l)));
  const state = { requestId: "r", log, transport: "connect", method: "m" } as unknown as RequestState;
  const controller = new AbortController();
  if (aborted) controller.abort(new ConnectError("the client cancelled", Code.Canceled));
  return { lines, ctx: { values: createContextValues().set(kRequestState, state), signal: controller.signal } };
}

describe("client disconnects", () => {
  it("a database connection reset is the server's failure, not the client leaving", () => {
    // node-postgres reports a PostgreSQL restart as ECONNRESET too; the store wraps it.
    expect(isClientGone(new DatabaseUnavailableError(nodeError("ECONNRESET")))).toBe(false);
    expect(isClientGone(nodeError("ECONNRESET"))).toBe(true);
  });

  it.each(["ERR_HTTP2_INVALID_STREAM", "ERR_HTTP2_STREAM_ERROR", "ECONNRESET", "ERR_STREAM_PREMATURE_CLOSE", "EPIPE"])(
    "%s is a client going away: CANCELED, logged at debug only",
    (code) => {
      for (const err of [nodeError(code), new ConnectError("stream closed", Code.Aborted, undefined, undefined, nodeError(code))]) {
        expect(isClientGone(err)).toBe(true);
        const { lines, ctx } = context();
        expect(rpcFailure(err, ctx).code).toBe(Code.Canceled);
        expect(lines.map((l) => l.level)).toEqual(["debug"]);
      }
    },
  );

  it("any error after the call's signal aborted is the client's doing", () => {
    const { lines, ctx } = context(true);
    expect(rpcFailure(new Error("write failed"), ctx).code).toBe(Code.Canceled);
    expect(lines.map((l) => l.level)).toEqual(["debug"]);
  });

  it("an unexpected error on a live call is still INTERNAL at error level", () => {
    const { lines, ctx } = context();
    const e = rpcFailure(new TypeError("bug"), ctx);
    expect(e.code).toBe(Code.Internal);
    expect(e.rawMessage).toBe("internal error");
    expect(lines.map((l) => l.level)).toEqual(["error"]);
  });
});
