// The Ray Jobs backend: batch simulations as Ray jobs. The job's submission
// id is derived from the operation id, so dispatching the same operation
// twice (a retry, or a restarted server picking its running operations up
// again) attaches to the one job instead of starting a second. Progress and
// the result are read from the job's logs (`SOVREN_PROGRESS <fraction>`,
// `SOVREN_RESULT <json>`, `SOVREN_ERROR <message>`), as inference/ray_job.py
// prints them.
//
// Job status → outcome: PENDING/RUNNING keep following (progress reported),
// SUCCEEDED → the result, FAILED → BackendFailedError carrying the job's own
// error, STOPPED → InferenceError "canceled". While following, an unreachable
// Jobs API is waited out (the job keeps running in Ray); only the caller's
// signal ends the wait.
import { setTimeout as sleep } from "node:timers/promises";
import type { InferenceBackend, Readiness, RunOptions, RunSimulationRequest, SimulationResult } from "../backend.js";
import { withTimeout } from "../backend.js";
import { CircuitBreaker, type CircuitBreakerOptions } from "../circuit-breaker.js";
import { BackendFailedError, InferenceError, redactPaths } from "../errors.js";
import { RayJobsClient, type RayJobInfo } from "./jobs-client.js";
import { simulationBody } from "./serve-backend.js";

export interface RayJobOptions {
  /** The dashboard's address, e.g. http://127.0.0.1:8265 */
  dashboardUrl: string;
  /** The job's command (reads its input from SOVREN_JOB_INPUT). */
  entrypoint: string;
  /** Extra runtime_env for the job (working_dir, env_vars…). */
  runtimeEnv?: Record<string, unknown>;
  /** Extra job metadata (string values), e.g. the tenant. */
  metadata?: Record<string, string>;
  pollIntervalMs?: number;
  /** Per-request timeout against the Jobs API (default 5 s). */
  requestTimeoutMs?: number;
  breaker?: CircuitBreakerOptions;
  fetch?: typeof fetch;
}

export const jobIdFor = (operationId: string) => `sovren-${operationId}`;

/** How often a job Ray no longer knows is submitted again (Ray restarted and lost it). */
const MAX_RESUBMITS = 2;

export class RayJobBackend implements InferenceBackend {
  readonly name = "ray-job";
  readonly breaker: CircuitBreaker;
  readonly jobs: RayJobsClient;
  private readonly pollMs: number;
  private readonly requestTimeoutMs: number;

  constructor(private readonly options: RayJobOptions) {
    this.jobs = new RayJobsClient(options.dashboardUrl, options.fetch);
    this.breaker = new CircuitBreaker(this.name, options.breaker);
    this.pollMs = options.pollIntervalMs ?? 250;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
  }

  unavailable() {
    return this.breaker.refusal();
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
    await this.submit(id, request, options);
    return this.follow(id, request, options);
  }

  /** Stops the operation's job; a job Ray does not know (or already ended) is not an error. */
  async cancel(operationId: string): Promise<void> {
    await this.jobs.stop(jobIdFor(operationId), AbortSignal.timeout(this.requestTimeoutMs));
  }

  /** The job's status as Ray reports it (undefined when Ray does not know it). */
  status(operationId: string, signal?: AbortSignal): Promise<RayJobInfo | undefined> {
    return this.jobs.info(jobIdFor(operationId), withTimeout(signal, this.requestTimeoutMs));
  }

  private submit(id: string, request: RunSimulationRequest, options: RunOptions): Promise<boolean> {
    const env = (this.options.runtimeEnv?.env_vars ?? {}) as Record<string, string>;
    return this.breaker.call(() =>
      this.jobs.submit(
        {
          submissionId: id,
          entrypoint: this.options.entrypoint,
          runtimeEnv: {
            ...this.options.runtimeEnv,
            env_vars: { ...env, SOVREN_JOB_INPUT: JSON.stringify(simulationBody(request)), ...(options.traceparent ? { TRACEPARENT: options.traceparent } : {}) },
          },
          // Ray redacts a job's env_vars in its API; the trace context is in the metadata too, for operators.
          metadata: { ...this.options.metadata, ...options.metadata, operation_id: options.operationId, ...(options.traceparent ? { traceparent: options.traceparent } : {}) },
        },
        withTimeout(options.signal, this.requestTimeoutMs),
      ),
    );
  }

  private async follow(id: string, request: RunSimulationRequest, options: RunOptions): Promise<SimulationResult> {
    let lastProgress = -1;
    let resubmits = 0;
    for (;;) {
      if (options.signal?.aborted) throw new InferenceError(`stopped following job ${id}`, "canceled", this.name);
      let info: RayJobInfo | undefined;
      let logs: string;
      try {
        info = await this.breaker.call(() => this.jobs.info(id, withTimeout(options.signal, this.requestTimeoutMs)));
        if (!info) {
          // Ray lost the job (its head restarted): the work is deterministic, so run it again.
          if (++resubmits > MAX_RESUBMITS) throw new BackendFailedError(`Ray does not know job ${id}`, this.name);
          await this.submit(id, request, options);
          continue;
        }
        logs = await this.breaker.call(() => this.jobs.logs(id, withTimeout(options.signal, this.requestTimeoutMs)));
      } catch (err) {
        if (err instanceof InferenceError && err.code !== "unavailable" && err.code !== "deadline_exceeded") throw err;
        if (options.signal?.aborted) throw new InferenceError(`stopped following job ${id}`, "canceled", this.name);
        // The Jobs API is unreachable or timed out: the job goes on in Ray; wait and ask again.
        await sleep(Math.max(this.pollMs, 1_000), undefined, { signal: options.signal }).catch(() => undefined);
        continue;
      }
      const progress = lastMatch(logs, /^SOVREN_PROGRESS\s+([0-9.eE+-]+)\s*$/gm);
      if (progress !== undefined && Number(progress) > lastProgress && info.status !== "SUCCEEDED") {
        lastProgress = Number(progress);
        await options.onProgress?.(Math.min(1, Math.max(0, lastProgress)));
      }
      switch (info.status) {
        case "SUCCEEDED": {
          const result = lastMatch(logs, /^SOVREN_RESULT\s+(\{.*\})\s*$/gm);
          if (!result) throw new BackendFailedError(`Ray job ${id} succeeded but printed no SOVREN_RESULT line`, this.name);
          return JSON.parse(result) as SimulationResult;
        }
        case "FAILED":
          throw new BackendFailedError(`Ray job ${id} failed: ${jobError(info, logs)}`, this.name, /^SOVREN_ERROR\s+invalid input:/m.test(logs) ? "invalid_argument" : "internal");
        case "STOPPED":
          throw new InferenceError(`Ray job ${id} was stopped`, "canceled", this.name);
        default:
          await sleep(this.pollMs, undefined, { signal: options.signal }).catch(() => undefined);
      }
    }
  }
}

function lastMatch(text: string, re: RegExp): string | undefined {
  let found: string | undefined;
  for (const m of text.matchAll(re)) found = m[1] ?? m[0];
  return found;
}

/**
 * The job's own error: its `SOVREN_ERROR` line if it printed one, else the
 * exit code and the log's last line. Paths are redacted: this text becomes
 * the operation's error, which tenants read.
 */
function jobError(info: RayJobInfo & { driver_exit_code?: number | null }, logs: string): string {
  const own = lastMatch(logs, /^SOVREN_ERROR\s+(.*)$/gm);
  if (own) return redactPaths(own.trim());
  const lastLine = logs.trim().split("\n").at(-1)?.trim() ?? "";
  const exit = info.driver_exit_code != null ? `exit code ${info.driver_exit_code}` : (info.message?.split("\n")[0] ?? "no exit code");
  return redactPaths(lastLine ? `${exit}: ${lastLine}` : exit);
}
