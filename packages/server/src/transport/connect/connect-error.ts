// ApiError → ConnectError, keeping code, message and the metadata the SDK
// reads (Retry-After, WWW-Authenticate). X-Request-Id is not repeated here: the
// HTTP handler already sends it as a response header, and gRPC clients merge
// headers and trailers (a second copy read as "id, id").
// Field violations travel as the standard google.rpc.BadRequest detail
// (gRPC: inside grpc-status-details-bin; Connect: the error's "details"), so
// any gRPC client can read them, not only ours.
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "@sovren/contracts/grpc";
import { toApiError, type ErrorCode } from "../../domain/errors.js";

const CODES: Record<ErrorCode, Code> = {
  canceled: Code.Canceled,
  unknown: Code.Unknown,
  invalid_argument: Code.InvalidArgument,
  deadline_exceeded: Code.DeadlineExceeded,
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  permission_denied: Code.PermissionDenied,
  resource_exhausted: Code.ResourceExhausted,
  failed_precondition: Code.FailedPrecondition,
  aborted: Code.Aborted,
  out_of_range: Code.OutOfRange,
  unimplemented: Code.Unimplemented,
  internal: Code.Internal,
  unavailable: Code.Unavailable,
  data_loss: Code.DataLoss,
  unauthenticated: Code.Unauthenticated,
};

export function toConnectError(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  const e = toApiError(err);
  const metadata = new Headers(e.options.headers);
  if (e.options.retryAfter !== undefined) metadata.set("retry-after", String(e.options.retryAfter));
  const violations = e.options.violations ?? [];
  const details = violations.length
    ? [{ desc: BadRequestSchema, value: { fieldViolations: violations.map((v) => ({ field: v.field, description: v.message })) } }]
    : [];
  return new ConnectError(e.message, CODES[e.code], metadata, details);
}
