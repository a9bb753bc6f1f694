// A client for the Ray Jobs REST API on the dashboard port:
// POST /api/jobs/, GET /api/jobs/{id}, GET /api/jobs/{id}/logs,
// POST /api/jobs/{id}/stop. Ray answers errors as plain text.
import { BackendFailedError, BackendUnavailableError } from "../errors.js";
import { plainFetch } from "./plain-fetch.js";

export type RayJobStatus = "PENDING" | "RUNNING" | "SUCCEEDED" | "FAILED" | "STOPPED";

export interface RayJobInfo {
  status: RayJobStatus;
  message?: string;
  submission_id?: string;
  /** Ray's own job id (hex), as its state API (`/api/v0/tasks`) filters by. */
  job_id?: string | null;
  error_type?: string | null;
}

export interface SubmitJob {
  submissionId: string;
  entrypoint: string;
  runtimeEnv?: Record<string, unknown>;
  metadata?: Record<string, string>;
  entrypointNumCpus?: number;
}

export class RayJobsClient {
  private readonly base: string;
  private readonly fetch: typeof fetch;

  constructor(baseUrl: string, fetchImpl?: typeof fetch) {
    this.base = baseUrl.replace(/\/+$/, "");
    // Not globalThis.fetch: its Sec-Fetch-Mode header makes Ray refuse POSTs as browser traffic.
    this.fetch = fetchImpl ?? plainFetch;
  }

  /** Submits a job; returns false when a job with this submission id already exists (so a re-dispatch attaches to it). */
  async submit(job: SubmitJob, signal?: AbortSignal): Promise<boolean> {
    const res = await this.call("POST", "/api/jobs/", signal, {
      entrypoint: job.entrypoint,
      submission_id: job.submissionId,
      runtime_env: job.runtimeEnv ?? {},
      metadata: job.metadata ?? {},
      ...(job.entrypointNumCpus !== undefined ? { entrypoint_num_cpus: job.entrypointNumCpus } : {}),
    });
    if (res.ok) return true;
    const text = await res.text();
    if (/already exists/i.test(text)) return false;
    throw this.failure(res.status, `submitting job ${job.submissionId}`, text);
  }

  /** The job's status, or undefined when Ray does not know it. */
  async info(submissionId: string, signal?: AbortSignal): Promise<RayJobInfo | undefined> {
    const res = await this.call("GET", `/api/jobs/${encodeURIComponent(submissionId)}`, signal);
    if (res.status === 404) return undefined;
    if (!res.ok) throw this.failure(res.status, `reading job ${submissionId}`, await res.text());
    return (await res.json()) as RayJobInfo;
  }

  async logs(submissionId: string, signal?: AbortSignal): Promise<string> {
    const res = await this.call("GET", `/api/jobs/${encodeURIComponent(submissionId)}/logs`, signal);
    if (!res.ok) throw this.failure(res.status, `reading the logs of job ${submissionId}`, await res.text());
    return ((await res.json()) as { logs?: string }).logs ?? "";
  }

  async stop(submissionId: string, signal?: AbortSignal): Promise<boolean> {
    const res = await this.call("POST", `/api/jobs/${encodeURIComponent(submissionId)}/stop`, signal);
    if (res.status === 404) return false;
    if (!res.ok) throw this.failure(res.status, `stopping job ${submissionId}`, await res.text());
    return ((await res.json()) as { stopped?: boolean }).stopped ?? false;
  }

  /** Ray's version; used as the readiness probe. */
  async version(signal?: AbortSignal): Promise<string> {
    const res = await this.call("GET", "/api/version", signal);
    if (!res.ok) throw this.failure(res.status, "reading the version", await res.text());
    return ((await res.json()) as { ray_version?: string }).ray_version ?? "unknown";
  }

  private async call(method: string, path: string, signal?: AbortSignal, body?: unknown): Promise<Response> {
    try {
      return await this.fetch(`${this.base}${path}`, {
        method,
        signal,
        headers: body ? { "content-type": "application/json" } : undefined,
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch (err) {
      if ((err as Error).name === "AbortError" || (err as Error).name === "TimeoutError") throw err;
      throw new BackendUnavailableError(`Ray Jobs API unreachable (${method} ${path}): ${(err as Error).message}`, "ray-job", 5, { cause: err });
    }
  }

  private failure(status: number, what: string, text: string): Error {
    const message = `Ray Jobs API ${what}: ${status} ${text.slice(0, 500)}`;
    return status >= 500 ? new BackendUnavailableError(message, "ray-job") : new BackendFailedError(message, "ray-job", "invalid_argument");
  }
}
