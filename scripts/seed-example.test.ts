// The seed's public API example (Appendix B) must be valid against the
// contract as written: its request and its response.
import { CommissionExecutiveRequest, CommissionExecutiveResponse } from "@sovren/contracts/zod";
import { describe, expect, it } from "vitest";

describe("the seed's commission example", () => {
  it("request is valid as written", () => {
    const body = { role: "Chief Strategy Officer", name: "Aurora", skills: ["forecasting", "negotiation"] };
    expect(CommissionExecutiveRequest.parse(body)).toEqual(body);
  });

  it("response is valid as written, and with a real id", () => {
    const asWritten = { executiveId: "uuid", status: "active", message: "Executive Aurora created successfully" };
    expect(CommissionExecutiveResponse.parse(asWritten)).toEqual(asWritten);
    const real = { ...asWritten, executiveId: "6f1c1f0e-3a51-4a8e-9a47-3f0f0c1a2b3c" };
    expect(CommissionExecutiveResponse.parse(real)).toEqual(real);
  });

  it("rejects what the contract forbids", () => {
    expect(() => CommissionExecutiveRequest.parse({ role: "CSO" })).toThrow(/name/);
    expect(() => CommissionExecutiveRequest.parse({ role: "CSO", name: "Aurora", extra: 1 })).toThrow(/extra/);
    expect(() => CommissionExecutiveResponse.parse({ executiveId: "x", status: "dormant", message: "m" })).toThrow(/status/);
  });
});
