// The one seam between the server and PostgreSQL: embedded PGlite and a real
// server (node-postgres) both implement it, so every query and migration runs
// unchanged on either.

export type Row = Record<string, unknown>;

export interface Queryable {
  /** One parameterised statement. */
  query<R extends Row = Row>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

export interface OwnerSession extends Queryable {
  /** Several statements without parameters (migrations only). */
  exec(sql: string): Promise<void>;
}

/** The role every tenant transaction runs as: not a superuser, no BYPASSRLS. */
export const APP_ROLE = "sovren_app";

/** The GUC the row-level security policies read. */
export const TENANT_SETTING = "sovren.tenant_id";

/**
 * Sets the tenant and drops to the application role for the rest of the
 * transaction. `set_config(..., true)` is transaction-local, so a pooled
 * connection never leaks one tenant's setting into the next request.
 */
export const ENTER_TENANT_SQL = `SELECT set_config('${TENANT_SETTING}', $1, true), set_config('role', '${APP_ROLE}', true)`;

export interface Db {
  readonly kind: "pglite" | "postgres";
  /**
   * Runs `fn` in one transaction as the application role with the tenant
   * set; row-level security limits every statement to that tenant's rows.
   */
  transaction<T>(tenantId: string, fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Like `transaction`, for an `fn` that issues exactly one statement (a
   * second one throws): on PostgreSQL the whole transaction (BEGIN, tenant,
   * statement, COMMIT, pipelined) is one round trip.
   */
  once<T>(tenantId: string, fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` in one transaction as the connecting (owner) role. Only for
   * migrations, credential look-ups and health checks, never for tenant data.
   */
  ownerTransaction<T>(fn: (tx: OwnerSession) => Promise<T>): Promise<T>;
  /**
   * Subscribes to a NOTIFY channel; resolves to an unsubscribe function.
   * `onResync` runs after the listening connection was lost and established
   * again: notifications may have been missed, so subscribers re-read.
   */
  listen(channel: string, onPayload: (payload: string) => void, onResync?: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * The database could not be reached or is restarting (connection refused,
 * reset or terminated, SQLSTATE 57P01-57P03 and class 08, pool or query
 * timeouts): a transient condition the caller may retry, never a bug.
 */
export class DatabaseUnavailableError extends Error {
  override name = "DatabaseUnavailableError";
  constructor(readonly cause: unknown) {
    super(`database unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

const UNAVAILABLE_ERRNO = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "ENOTFOUND"]);
// SQLSTATE: admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections.
const UNAVAILABLE_SQLSTATE = new Set(["57P01", "57P02", "57P03", "53300"]);
// node-postgres and pg-pool report these as plain Errors without a code.
const UNAVAILABLE_MESSAGE =
  /^(Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Client was closed and is not queryable)/;

/** True when `err` means the database is unreachable or restarting, rather than a bad statement. */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError) return true;
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && (UNAVAILABLE_ERRNO.has(code) || UNAVAILABLE_SQLSTATE.has(code) || /^08[0-9A-Z]{3}$/.test(code))) {
    return true;
  }
  return UNAVAILABLE_MESSAGE.test(err.message);
}
