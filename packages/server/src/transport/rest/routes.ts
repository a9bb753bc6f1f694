// Matches a REST method and path to a method of the table, using the paths
// of the OpenAPI contract (including AIP-136 custom methods like `:retire`).
import { operations } from "@sovren/contracts/zod";
import { invalidArgument } from "../../domain/errors.js";
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
      params[name] = decodeComponent(m[i + 1]!, "path", name);
    });
    return { def: r.def, params };
  }
  return allowed.length ? { allowed } : undefined;
}

/**
 * The one guard for percent-encoded request text: decodes a path segment or a
 * query component, and refuses malformed percent-encoding (`%ZZ`, a truncated
 * `%4`, bytes that are not UTF-8 such as `%FF`, overlong `%C0%AF` or an encoded
 * surrogate `%ED%A0%80`) with 400 invalid_argument naming the parameter,
 * instead of decodeURIComponent's URIError or URLSearchParams' silent U+FFFD.
 */
export function decodeComponent(raw: string, where: "path" | "query", name: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalidArgument(`invalid ${where} parameter ${name}: malformed percent-encoding`, [
      { field: name, message: "malformed percent-encoding (not UTF-8)" },
    ]);
  }
}

/**
 * Splits a query string (`?a=1&b=2`, form-encoded: `+` is a space) into its
 * decoded pairs through decodeComponent, so malformed encoding is refused
 * rather than replaced by U+FFFD.
 */
export function parseQuery(search: string): [string, string][] {
  const out: [string, string][] = [];
  const text = search.startsWith("?") ? search.slice(1) : search;
  if (!text) return out;
  for (const part of text.split("&")) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const rawKey = (eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, " ");
    const rawValue = (eq < 0 ? "" : part.slice(eq + 1)).replace(/\+/g, " ");
    const key = decodeComponent(rawKey, "query", "query");
    out.push([key, decodeComponent(rawValue, "query", key)]);
  }
  return out;
}
