// Conversions shared by the repositories: database values to canonical JSON.
export function iso(value: unknown): string {
  return (value instanceof Date ? value : new Date(String(value))).toISOString();
}

export function optionalIso(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : iso(value);
}

/** numeric and bigint arrive as strings (node-postgres) or numbers/bigints (PGlite). */
export function num(value: unknown): number {
  return typeof value === "number" ? value : Number(value);
}

export function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "23505";
}

/** Change notifications: NOTIFY inside the transaction, delivered on commit. */
export const CHANGES_CHANNEL = "sovren_changes";

export interface ChangeEvent {
  tenantId: string;
  kind: "operation" | "communication";
  id: string;
}
