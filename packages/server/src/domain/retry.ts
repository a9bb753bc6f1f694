// Long-lived readers (watch streams) outlive a database outage: a read that
// fails because the database is unreachable is retried with backoff until it
// succeeds or the caller leaves (then undefined). Other errors propagate.
import { isDatabaseUnavailable } from "../store/db.js";

export async function retryWhileUnavailable<T>(
  fn: () => Promise<T>,
  signal: AbortSignal,
  minMs = 250,
  maxMs = 5_000,
): Promise<T | undefined> {
  let delay = minMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!isDatabaseUnavailable(err) || signal.aborted) throw err;
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, delay / 2 + Math.random() * (delay / 2));
      signal.addEventListener("abort", done, { once: true });
    });
    if (signal.aborted) return undefined;
    delay = Math.min(delay * 2, maxMs);
  }
}
