// Matches a REST method and path to a method of the table, using the paths
// of the OpenAPI contract (including AIP-136 custom methods like `:retire`).
import { operations } from "@sovren/contracts/zod";
import { METHODS, type MethodDef } from "../../handlers/methods.js";

interface Route {
  method: string;
  pattern: RegExp;
  params: string[];
  def: MethodDef;
}

const ROUTES: Route[] = METHODS.map((def) => {
  const op = operations[def.operationId];
  const params: string[] = [];
  const source = op.path
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const m = /^\{(.+)\}$/.exec(part);
      if (!m) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      params.push(m[1]!);
      // A path parameter never spans a segment or a custom method's colon.
      return "([^/:]+)";
    })
    .join("");
  return { method: op.method, pattern: new RegExp(`^${source}$`), params, def };
});

export type RouteMatch =
  | { def: MethodDef; params: Record<string, string> }
  | { allowed: string[] }
  | undefined;

export function matchRoute(method: string, pathname: string): RouteMatch {
  const allowed: string[] = [];
  for (const r of ROUTES) {
    const m = r.pattern.exec(pathname);
    if (!m) continue;
    if (r.method !== method) {
      allowed.push(r.method);
      continue;
    }
    const params: Record<string, string> = {};
    r.params.forEach((name, i) => {
      params[name] = decodeURIComponent(m[i + 1]!);
    });
    return { def: r.def, params };
  }
  return allowed.length ? { allowed } : undefined;
}
