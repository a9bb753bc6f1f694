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
   * Runs `fn` in one transaction as the connecting (owner) role. Only for
   * migrations, credential look-ups and health checks, never for tenant data.
   */
  ownerTransaction<T>(fn: (tx: OwnerSession) => Promise<T>): Promise<T>;
  /** Subscribes to a NOTIFY channel; resolves to an unsubscribe function. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
