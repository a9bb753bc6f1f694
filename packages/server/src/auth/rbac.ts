// Role-based access per method: viewers read, members also write, admins also
// retire executives. Each method names the least role it needs.
import { ApiError } from "../domain/errors.js";
import type { Principal, Role } from "../domain/principal.js";

export type Permission = "read" | "write" | "admin";

const GRANTS: Record<Role, Permission[]> = {
  viewer: ["read"],
  member: ["read", "write"],
  admin: ["read", "write", "admin"],
};

export function authorize(principal: Principal, needs: Permission): void {
  if (principal.roles.some((r) => GRANTS[r]?.includes(needs))) return;
  throw new ApiError("permission_denied", `the caller's roles (${principal.roles.join(", ") || "none"}) do not allow ${needs}`);
}
