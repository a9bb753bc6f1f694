import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";
import { redact } from "./redact.js";

describe("log redaction at ingress", () => {
  it("redacts e-mails, phone numbers and tokens, and keeps ids, times and numbers", () => {
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
    expect(redact(`recipient ana.maria+x@mail.example.co.uk failed`)).toBe("recipient [redacted-email] failed");
    expect(redact("call +4915112345678 or (030) 123-4567 or 555 123 4567")).toBe("call [redacted-phone] or [redacted-phone] or [redacted-phone]");
    expect(redact(`Authorization: Bearer ${jwt}`)).toBe("Authorization: Bearer [redacted-token]");
    expect(redact(`token ${jwt}`)).toBe("token [redacted-token]");
    expect(redact("key sk_sovren_AbC-123_xyz")).toBe("key [redacted-token]");
    const keep = "operation 3f1c2a4e-9b7d-4c1e-8f00-123456789abc at 2026-11-23T19:40:00.123Z took 1234 ms, 12.345 ms, from 10.100.200.1 port 8080";
    expect(redact(keep)).toBe(keep);
  });

  it("applies to the message and to every string field, nested too", () => {
    const lines: string[] = [];
    const log = createLogger("info", { service: "t" }, (l) => void lines.push(l));
    log.error("send to bob@example.com failed", { error: "Error: 555-123-4567 unreachable", detail: { to: ["x@y.example"] }, ms: 12 });
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ msg: "send to [redacted-email] failed", error: "Error: [redacted-phone] unreachable", detail: { to: ["[redacted-email]"] }, ms: 12 });
    expect(lines[0]).not.toMatch(/bob@|555-123|x@y/);
  });
});
