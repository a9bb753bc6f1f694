// Who is calling: established by src/auth, read by handlers and the store.
export type Role = "admin" | "member" | "viewer";

export interface Principal {
  tenantId: string;
  /** The JWT `sub`, or `api-key:<id>` for machine keys. */
  subject: string;
  roles: Role[];
  credential: "jwt" | "api_key";
}
