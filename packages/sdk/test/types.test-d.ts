import type { components } from "@sovren/contracts/openapi";
import { describe, expectTypeOf, it } from "vitest";
import { Sovren, type APIPromise, type Page, type PagePromise, type Stream } from "../src/index.js";

type S = components["schemas"];
const client = new Sovren();

describe("public types", () => {
  it("takes and returns the contract's JSON shapes", () => {
    expectTypeOf(client.executives.get("id")).toEqualTypeOf<APIPromise<S["Executive"]>>();
    expectTypeOf(client.executives.commission({ name: "A", role: "B" })).toEqualTypeOf<APIPromise<S["CommissionExecutiveResponse"]>>();
    expectTypeOf(client.executives.list()).toEqualTypeOf<PagePromise<S["Executive"], S["ListExecutivesResponse"]>>();
    expectTypeOf(client.simulations.run({ userId: "u", scenario: "s" })).toEqualTypeOf<APIPromise<S["Operation"]>>();
    expectTypeOf(client.operations.wait("id")).toEqualTypeOf<Promise<S["Operation"]>>();
    expectTypeOf(client.operations.watch("id")).toEqualTypeOf<Stream<S["Operation"]>>();
    expectTypeOf(client.communications.watch()).toEqualTypeOf<Stream<S["Communication"]>>();
    expectTypeOf<Awaited<ReturnType<typeof client.operations.list>>>().toEqualTypeOf<Page<S["Operation"], S["ListOperationsResponse"]>>();
  });

  it("rejects wrong and missing fields", () => {
    // @ts-expect-error: `title` is not a field of CommissionExecutiveRequest
    void client.executives.commission({ name: "A", role: "B", title: "x" });
    // @ts-expect-error: `role` is required
    void client.executives.commission({ name: "A" });
    // @ts-expect-error: `scenario` is required
    void client.simulations.run({ userId: "u" });
    // @ts-expect-error: state takes the enum's values only
    void client.executives.list({ state: "ACTIVE" });
    // @ts-expect-error: unknown request option
    void client.executives.get("id", { retries: 3 });
    // @ts-expect-error: transport names are fixed
    new Sovren({ transport: "http3" });
  });

  it("iterates items and pages", async () => {
    for await (const e of client.executives.list()) expectTypeOf(e).toEqualTypeOf<S["Executive"]>();
    for await (const p of client.communications.list().iterPages()) expectTypeOf(p.data).toEqualTypeOf<S["Communication"][]>();
    const { requestId, response } = await client.executives.get("id").withResponse();
    expectTypeOf(requestId).toEqualTypeOf<string | undefined>();
    expectTypeOf(response).toEqualTypeOf<Response | undefined>();
  });
});
