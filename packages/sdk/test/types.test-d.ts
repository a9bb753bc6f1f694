import type { components } from "@sovren/contracts/openapi";
import { describe, expectTypeOf, it } from "vitest";
import {
  Sovren,
  type APIPromise,
  type CommissionExecutiveRequest,
  type Communication,
  type Executive,
  type ListCommunicationsParams,
  type ListExecutivesParams,
  type ListOperationsParams,
  type Operation,
  type Page,
  type PagePromise,
  type RunSimulationRequest,
  type SendCommunicationRequest,
  type SimulationFactor,
  type SimulationResult,
  type Stream,
  type WithRequestId,
} from "../src/index.js";

type S = components["schemas"];
const client = new Sovren();

describe("public types", () => {
  it("takes and returns the contract's JSON shapes", () => {
    expectTypeOf(client.executives.get("id")).toEqualTypeOf<APIPromise<WithRequestId<S["Executive"]>>>();
    expectTypeOf(client.executives.commission({ name: "A", role: "B" })).toEqualTypeOf<APIPromise<WithRequestId<S["CommissionExecutiveResponse"]>>>();
    expectTypeOf(client.executives.list()).toEqualTypeOf<PagePromise<S["Executive"], S["ListExecutivesResponse"]>>();
    expectTypeOf(client.simulations.run({ userId: "u", scenario: "s" })).toEqualTypeOf<APIPromise<WithRequestId<S["Operation"]>>>();
    expectTypeOf(client.operations.wait("id")).toEqualTypeOf<Promise<WithRequestId<S["Operation"]>>>();
    expectTypeOf(client.operations.watch("id")).toEqualTypeOf<Stream<WithRequestId<S["Operation"]>>>();
    expectTypeOf(client.communications.watch()).toEqualTypeOf<Stream<WithRequestId<S["Communication"]>>>();
    expectTypeOf<Awaited<ReturnType<typeof client.operations.list>>>().toEqualTypeOf<Page<S["Operation"], S["ListOperationsResponse"]>>();
  });

  it("names the resources and requests, as the contract's types", () => {
    expectTypeOf<Executive>().toEqualTypeOf<S["Executive"]>();
    expectTypeOf<Operation>().toEqualTypeOf<S["Operation"]>();
    expectTypeOf<Communication>().toEqualTypeOf<S["Communication"]>();
    expectTypeOf<SimulationResult>().toEqualTypeOf<S["SimulationResult"]>();
    expectTypeOf<CommissionExecutiveRequest>().toEqualTypeOf<S["CommissionExecutiveRequest"]>();
    expectTypeOf<SendCommunicationRequest>().toEqualTypeOf<S["SendCommunicationRequest"]>();
    // The two requests with documented limits are interfaces over the contract's types: the same fields, both ways.
    expectTypeOf<RunSimulationRequest>().toMatchTypeOf<S["RunSimulationRequest"]>();
    expectTypeOf<S["RunSimulationRequest"]>().toMatchTypeOf<RunSimulationRequest>();
    expectTypeOf<SimulationFactor>().toMatchTypeOf<S["SimulationFactor"]>();
    expectTypeOf<S["SimulationFactor"]>().toMatchTypeOf<SimulationFactor>();
    expectTypeOf<keyof RunSimulationRequest>().toEqualTypeOf<keyof S["RunSimulationRequest"]>();
    expectTypeOf<ListExecutivesParams["pageSize"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<ListOperationsParams>().toHaveProperty("pageToken");
    expectTypeOf<ListCommunicationsParams>().toHaveProperty("executiveId");
    expectTypeOf<Operation["result"]>().toEqualTypeOf<SimulationResult | undefined>();
    expectTypeOf<NonNullable<RunSimulationRequest["factors"]>[number]>().toEqualTypeOf<SimulationFactor>();
  });

  it("types _requestId on results and stream events, not on the resource types", async () => {
    const executive = await client.executives.get("id");
    expectTypeOf(executive._requestId).toEqualTypeOf<string | undefined>();
    expectTypeOf((await client.simulations.run({ userId: "u", scenario: "s" }))._requestId).toEqualTypeOf<string | undefined>();
    for await (const op of client.operations.watch("id")) expectTypeOf(op._requestId).toEqualTypeOf<string | undefined>();
    // @ts-expect-error: a resource type has no _requestId of its own
    void ({} as Executive)._requestId;
    // @ts-expect-error: the SDK sets it, read-only
    executive._requestId = "x";
    const plain: Executive = executive; // a result is still an Executive
    void plain;
  });

  it("rejects wrong and missing fields", () => {
    // @ts-expect-error: `title` is not a field of CommissionExecutiveRequest
    void client.executives.commission({ name: "A", role: "B", title: "x" });
    // @ts-expect-error: `role` is required
    void client.executives.commission({ name: "A" });
    // @ts-expect-error: `scenario` is required
    void client.simulations.run({ userId: "u" });
    // @ts-expect-error: `trials` is a number (1..1,000,000)
    void client.simulations.run({ userId: "u", scenario: "s", trials: "many" });
    // @ts-expect-error: a factor needs a name
    void client.simulations.run({ userId: "u", scenario: "s", factors: [{ weight: 1 }] });
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
