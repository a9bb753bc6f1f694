// The Ray Jobs backend: batch simulations as Ray jobs. The job's submission
// id is derived from the operation id, so dispatching the same operation
// twice (a retry, or a restarted server picking its running operations up
// again) attaches to the one job instead of starting a second. Progress and
// the result are read from the job's logs (`SOVREN_PROGRESS <fraction>`,
// `SOVREN_RESULT <json>`), as inference/ray_job.py prints them.
import { setTimeout as sleep } from "node:timers/promises";
import type { InferenceBackend, Readiness, RunOptions, RunSimulationRequest, SimulationResult } from "../backend.js";
import { withTimeout } from "../backend.js";
import { CircuitBreaker, type CircuitBreakerOptions } from "../circuit-breaker.js";
import { BackendFailedError, InferenceError } from "../errors.js";
import { RayJobsClient } from "./jobs-client.js";
import { simulationBody } from "./serve-backend.js";

export interface RayJobOptions {
  /** The dashboard's address, e.g. http://127.0.0.1:8265 */
  dashboardUrl: string;
  /** The job's command (reads its input from SOVREN_JOB_INPUT). */
  entrypoint: string;
  /** Extra runtime_env for the job (working_dir, env_vars…). */
  runtimeEnv?: Record<string, unknown>;
  pollIntervalMs?: number;
  breaker?: CircuitBreakerOptions;
  fetch?: typeof fetch;
}

export const jobIdFor = (operationId: string) => `sovren-${operationId}`;

export class RayJobBackend implements InferenceBackend {
  readonly name = "ray-job";
  readonly breaker: CircuitBreaker;
  readonly jobs: RayJobsClient;

  constructor(private readonly options: RayJobOptions) {
    this.jobs = new RayJobsClient(options.dashboardUrl, options.fetch);
    this.breaker = new CircuitBreaker(this.name, options.breaker);
  }

  async ready(signal?: AbortSignal): Promise<Readiness> {
    if (this.breaker.state === "open") return { ready: false, message: `circuit open; retry in ${this.breaker.retryAfterSeconds()} s` };
    try {
      return { ready: true, message: `Ray ${await this.jobs.version(withTimeout(signal, 2_000))} Jobs API` };
    } catch (err) {
      return { ready: false, message: (err as Error).message };
    }
  }

  /** Submits the operation's job (or attaches to it) and waits for its end. */
  async run(request: RunSimulationRequest, options: RunOptions): Promise<SimulationResult> {
    const id = jobIdFor(options.operationId);
    const env = (this.options.runtimeEnv?.env_vars ?? {}) as Record<string, string>;
    await this.breaker.call(() =>
      this.jobs.submit(
        {
          submissionId: id,
          entrypoint: this.options.entrypoint,
          runtimeEnv: { ...this.options.runtimeEnv, env_vars: { ...env, SOVREN_JOB_INPUT: JSON.stringify(simulationBody(request)), ...(options.traceparent ? { TRACEPARENT: options.traceparent } : {}) } },
          metadata: { operation_id: options.operationId },
        },
        options.signal,
      ),
    );
    return this.follow(id, options);
  }

  async cancel(operationId: string): Promise<void> {
    await this.jobs.stop(jobIdFor(operationId));
  }

  private async follow(id: string, options: RunOptions): Promise<SimulationResult> {
    let lastProgress = -1;
    for (;;) {
      if (options.signal?.aborted) throw new InferenceError(`stopped following job ${id}`, "canceled", this.name);
      const info = await this.breaker.call(() => this.jobs.info(id, options.signal));
      if (!info) throw new BackendFailedError(`Ray does not know job ${id}`, this.name);
      const logs = await this.breaker.call(() => this.jobs.logs(id, options.signal));
      const progress = lastMatch(logs, /^SOVREN_PROGRESS\s+([0-9.eE+-]+)\s*$/gm);
      if (progress !== undefined && Number(progress) > lastProgress) {
        lastProgress = Number(progress);
        options.onProgress?.(Math.min(1, Math.max(0, lastProgress)));
      }
      switch (info.status) {
        case "SUCCEEDED": {
          const result = lastMatch(logs, /^SOVREN_RESULT\s+(\{.*\})\s*$/gm);
          if (!result) throw new BackendFailedError(`job ${id} succeeded but printed no SOVREN_RESULT line`, this.name);
          return JSON.parse(result) as SimulationResult;
        }
        case "FAILED":
          throw new BackendFailedError(`Ray job ${id} failed: ${jobError(info, logs)}`, this.name);
        case "STOPPED":
          throw new InferenceError(`Ray job ${id} was stopped`, "canceled", this.name);
        default:
          await sleep(this.options.pollIntervalMs ?? 250, undefined, { signal: options.signal }).catch(() => undefined);
      }
    }
  }
}

function lastMatch(text: string, re: RegExp): string | undefined {
  let found: string | undefined;
  for (const m of text.matchAll(re)) found = m[1];
  return found;
}

/** The job's own error: its `SOVREN_ERROR` line if it printed one, else Ray's message and the log's last line. */
function jobError(info: { message?: string }, logs: string): string {
  const own = lastMatch(logs, /^SOVREN_ERROR\s+(.*)$/gm);
  if (own) return own;
  const lastLine = logs.trim().split("\n").at(-1) ?? "";
  return [info.message, lastLine].filter(Boolean).join(" — ");
}
