// ApiError → ConnectError, keeping code, message and the metadata the SDK
// reads (Retry-After, WWW-Authenticate; X-Request-Id is already a header).
import { Code, ConnectError } from "@connectrpc/connect";
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

export function toConnectError(err: unknown, requestId: string): ConnectError {
  if (err instanceof ConnectError) return err;
  const e = toApiError(err);
  const metadata = new Headers({ "x-request-id": requestId, ...e.options.headers });
  if (e.options.retryAfter !== undefined) metadata.set("retry-after", String(e.options.retryAfter));
  return new ConnectError(e.message, CODES[e.code], metadata);
}
