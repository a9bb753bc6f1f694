/** Levels from most to least verbose; `off` silences the SDK. */
export type LogLevel = "debug" | "info" | "warn" | "error" | "off";

/** Anything console-like. */
export interface Logger {
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string, ...args: unknown[]): void;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, off: 4 };

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === "string" && value in RANK;
}

/** A logger that drops messages below `level` and prefixes the rest. */
export function levelLogger(target: Logger, level: LogLevel): Logger {
  const at =
    (name: Exclude<LogLevel, "off">) =>
    (message: string, ...args: unknown[]) => {
      if (RANK[name] >= RANK[level]) target[name](`[sovren] ${message}`, ...args);
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

const SECRET_HEADERS = new Set(["authorization", "proxy-authorization", "x-api-key", "cookie", "set-cookie"]);
const SECRET_PARAMS = /^(access_?token|token|api_?key|key|secret|password|auth|signature|sig)$/i;

/** A plain object of the headers with every credential replaced by `***`. */
export function redactHeaders(headers: Headers | Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  const entries = headers instanceof Headers ? headers.entries() : Object.entries(headers);
  for (const [name, value] of entries) {
    out[name] = SECRET_HEADERS.has(name.toLowerCase()) ? "***" : value;
  }
  return out;
}

/** The URL without userinfo and with credential-like query parameters replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username) parsed.username = "***";
    if (parsed.password) parsed.password = "***";
    for (const name of [...parsed.searchParams.keys()]) {
      if (SECRET_PARAMS.test(name)) parsed.searchParams.set(name, "***");
    }
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, "//***@");
  }
}
