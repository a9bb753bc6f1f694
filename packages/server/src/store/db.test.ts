import { describe, expect, it } from "vitest";
import { toApiError } from "../domain/errors.js";
import { DatabaseUnavailableError, isDatabaseUnavailable } from "./db.js";

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe("isDatabaseUnavailable", () => {
  it.each([
    ["admin shutdown (pg_ctl -m fast)", withCode("terminating connection due to administrator command", "57P01")],
    ["crash shutdown", withCode("terminating connection because of crash of another server process", "57P02")],
    ["starting up", withCode("the database system is starting up", "57P03")],
    ["too many connections", withCode("sorry, too many clients already", "53300")],
    ["connection failure class 08", withCode("connection failure", "08006")],
    ["refused", withCode("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED")],
    ["reset", withCode("read ECONNRESET", "ECONNRESET")],
    ["terminated", new Error("Connection terminated unexpectedly")],
    ["pool timeout", new Error("timeout exceeded when trying to connect")],
    ["query timeout (frozen server)", new Error("Query read timeout")],
    ["broken client", new Error("Client has encountered a connection error and is not queryable")],
  ])("%s → unavailable (503, Retry-After)", (_, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
    const api = toApiError(new DatabaseUnavailableError(err));
    expect(api.code).toBe("unavailable");
    expect(api.status).toBe(503);
    expect(api.options.retryAfter).toBeGreaterThan(0);
    expect(toApiError(err).code).toBe("unavailable");
  });

  it.each([
    ["unique violation", withCode("duplicate key value", "23505")],
    ["syntax error", withCode("syntax error at or near", "42601")],
    ["RLS violation", withCode("new row violates row-level security policy", "42501")],
    ["a plain bug", new TypeError("cannot read properties of undefined")],
  ])("%s stays internal", (_, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
    expect(toApiError(err).code).toBe("internal");
  });
});
