// Opaque page tokens: the keyset position (a row's insertion sequence) of the
// last item served. Opaque so that the position encoding can change.
import { invalidArgument } from "./errors.js";

export const DEFAULT_PAGE_SIZE = 50;

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
  if (!m) throw invalidArgument("invalid page token", [{ field: "pageToken", message: "not a token this server issued" }]);
  return m[1];
}
