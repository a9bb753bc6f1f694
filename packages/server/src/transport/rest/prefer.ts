// RFC 7240 `Prefer: wait=<seconds>` for RunSimulation over REST: the same as
// the body's `waitSeconds` (the contract's bound, 0..60). Other preferences
// are ignored, as the RFC asks; a malformed or out-of-range wait is a 400
// naming the header, never silently clamped.
import { invalidArgument } from "../../domain/errors.js";

export const MAX_WAIT_SECONDS = 60;
/** The contract's `maxLength` of the header (openapi: components.parameters.PreferWait). */
export const MAX_PREFER_LENGTH = 200;

/** The `wait` preference in seconds, or undefined when the header has none. */
export function preferWait(header: string | null): number | undefined {
  if (!header) return undefined;
  if (header.length > MAX_PREFER_LENGTH) {
    const message = `must be at most ${MAX_PREFER_LENGTH} characters`;
    throw invalidArgument(`Prefer: ${message}`, [{ field: "Prefer", message }]);
  }
  for (const part of header.split(",")) {
    const [token, ...rest] = part.split(";")[0]!.split("=");
    if (token!.trim().toLowerCase() !== "wait") continue;
    const value = rest.join("=").trim().replace(/^"(.*)"$/, "$1");
    if (!/^\d{1,5}$/.test(value) || Number(value) > MAX_WAIT_SECONDS) {
      const message = `wait must be a whole number of seconds from 0 to ${MAX_WAIT_SECONDS}`;
      throw invalidArgument(`Prefer: ${message}`, [{ field: "Prefer", message }]);
    }
    return Number(value);
  }
  return undefined;
}
