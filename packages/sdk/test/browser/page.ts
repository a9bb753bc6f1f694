// The script of the real-browser test's page (test/real-browser.test.ts):
// bundled by esbuild for the browser from the SDK's main entry, it drives a
// real @sovren/server over one transport and reports what it saw.
import { NotFoundError, Sovren, type TransportName } from "../../src/index.js";

export interface ScenarioInput {
  baseUrl: string;
  token: string;
  transport: Exclude<TransportName, "grpc">;
}

export interface ScenarioResult {
  transport: string;
  commissioned: { name: string; state: string | undefined; requestId: string | undefined };
  listed: boolean;
  got: string;
  operation: { state: string; done: boolean | undefined; trials: number | undefined; seenStates: string[] };
  watched: string[];
  notFound: { name: string; status: number | undefined; code: string | undefined };
  userAgent: string;
}

async function runScenario({ baseUrl, token, transport }: ScenarioInput): Promise<ScenarioResult> {
  const client = new Sovren({ baseUrl, token, transport, maxRetries: 0, logLevel: "off" });
  const name = `Browser ${transport} ${Math.random().toString(36).slice(2, 8)}`;
  const { data: commissioned, requestId } = await client.executives
    .commission({ name, role: "Chief Strategy Officer", skills: ["forecasting"] })
    .withResponse();
  const id = commissioned.executive!.id;

  let listed = false;
  for await (const executive of client.executives.list({ pageSize: 2 })) {
    if (executive.id === id) listed = true;
  }
  const got = await client.executives.get(id);

  const started = await client.simulations.run({ userId: "browser", scenario: "Enter the Nordic market", executiveId: id, trials: 2000, seed: 7 });
  const seenStates: string[] = [];
  const done = await client.operations.wait(started.operationId, { timeout: 30_000, onProgress: (op) => seenStates.push(op.state) });

  // A server stream in the browser (SSE over REST, Connect / gRPC-Web streaming otherwise).
  const watched: string[] = [];
  for await (const op of client.operations.watch(done.operationId)) {
    watched.push(op.state);
    if (op.done) break;
  }

  let notFound: ScenarioResult["notFound"] = { name: "none", status: undefined, code: undefined };
  try {
    await client.executives.get("00000000-0000-4000-8000-000000000000");
  } catch (e) {
    notFound = { name: NotFoundError.is(e) ? "NotFoundError" : String(e), status: (e as NotFoundError).status, code: (e as NotFoundError).code };
  }

  return {
    transport,
    commissioned: { name: commissioned.executive!.name, state: commissioned.executive!.state, requestId },
    listed,
    got: got.name,
    operation: {
      state: done.state,
      done: done.done,
      trials: done.result?.trials,
      seenStates,
    },
    watched,
    notFound,
    userAgent: navigator.userAgent,
  };
}

(globalThis as { runScenario?: typeof runScenario }).runScenario = runScenario;
