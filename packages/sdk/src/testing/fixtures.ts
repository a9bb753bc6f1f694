import type { components } from "@sovren/contracts/openapi";
import { uuid } from "../internal/attempt.js";

type S = components["schemas"];

const now = () => new Date().toISOString();

/** Realistic, contract-valid resources for tests; pass overrides for the fields you care about. */
export const fixtures = {
  executive(overrides: Partial<S["Executive"]> = {}): S["Executive"] {
    const time = now();
    return {
      id: uuid(),
      name: "Aurora",
      role: "Chief Strategy Officer",
      skills: ["forecasting", "negotiation"],
      voiceProfile: "",
      state: "EXECUTIVE_STATE_ACTIVE",
      createTime: time,
      updateTime: time,
      ...overrides,
    };
  },

  operation(overrides: Partial<S["Operation"]> = {}): S["Operation"] {
    const time = now();
    return {
      operationId: uuid(),
      userId: "user-1",
      kind: "OPERATION_KIND_SIMULATION",
      state: "OPERATION_STATE_PENDING",
      done: false,
      progress: 0,
      parameters: { scenario: "Enter the APAC market in Q3" },
      confidence: 0,
      executiveId: "",
      backend: "embedded",
      createTime: time,
      updateTime: time,
      ...overrides,
    };
  },

  simulationResult(overrides: Partial<S["SimulationResult"]> = {}): S["SimulationResult"] {
    return {
      outcome: "favorable",
      confidence: 0.73,
      expectedValue: 0.41,
      stddev: 0.98,
      p05: -1.2,
      p95: 2.03,
      trials: 10_000,
      seed: 42,
      ...overrides,
    };
  },

  communication(overrides: Partial<S["Communication"]> = {}): S["Communication"] {
    const time = now();
    return {
      messageId: uuid(),
      executiveId: uuid(),
      recipient: "board@example.com",
      message: "Q3 forecast attached.",
      status: "COMMUNICATION_STATUS_SENT",
      timestamp: time,
      updateTime: time,
      failureReason: "",
      ...overrides,
    };
  },
};
