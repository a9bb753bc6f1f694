import type { OperationSpec } from "../internal/operations.js";

/** What one attempt is given by the core: final headers and the attempt's signal. */
export interface AttemptContext {
  headers: Headers;
  signal: AbortSignal;
  /** Called once the response headers are in (streams clear their timeout then). */
  onOpen?: () => void;
}

export interface UnaryResult {
  /** The REST-shaped result (Connect responses already unwrapped by `response_body`). */
  data: unknown;
  status: number;
  headers: Headers;
  response: Response | undefined;
}

export interface StreamResult {
  status: number;
  headers: Headers;
  response: Response | undefined;
  /** Each event as JSON (the whole Watch*Response message). */
  events: AsyncIterable<unknown>;
}

/** A wire the core can send one attempt of an operation over. */
export interface Wire {
  readonly name: string;
  /** Describes the target for logs (never with credentials). */
  url(op: OperationSpec, input: Record<string, unknown>): string;
  unary(op: OperationSpec, input: Record<string, unknown>, ctx: AttemptContext): Promise<UnaryResult>;
  stream(op: OperationSpec, input: Record<string, unknown>, ctx: AttemptContext): Promise<StreamResult>;
}
