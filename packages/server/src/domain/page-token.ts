// Opaque page tokens: the keyset position (a row's insertion sequence) of the
// last item served. Opaque so that the position encoding can change.
import { invalidArgument } from "./errors.js";

export const DEFAULT_PAGE_SIZE = 50;
const INT64_MAX = 9223372036854775807n;

export function pageSize(requested: number | undefined): number {
  return requested && requested > 0 ? Math.min(requested, 100) : DEFAULT_PAGE_SIZE;
}

export function encodePageToken(seq: string): string {
  return Buffer.from(`v1:${seq}`, "utf8").toString("base64url");
}

/** Returns the sequence to continue below, or undefined for the first page. */
export function decodePageToken(token: string | undefined): string | undefined {
  if (!token) return undefined;
  const text = Buffer.from(token, "base64url").toString("utf8");
  const m = /^v1:(\d{1,19})$/.exec(text);
  // The position is a bigint column: a number past int64 was never issued (and
  // would make PostgreSQL throw), so it is refused here like any other stranger.
  if (!m || BigInt(m[1]!) > INT64_MAX) {
    throw invalidArgument("invalid page token", [{ field: "pageToken", message: "not a token this server issued" }]);
  }
  return m[1];
}
