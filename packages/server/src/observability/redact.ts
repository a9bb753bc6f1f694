// Personal data and secrets never reach the log (issue 13): every message and
// string field is redacted as it enters the logger — e-mail addresses, phone
// numbers, bearer tokens, JWTs and API keys become a placeholder. Request
// bodies are never logged at all (callers pass chosen fields only).
const PATTERNS: [RegExp, string][] = [
  // JWTs (three base64url parts, the first a JSON header "eyJ...").
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, "[redacted-token]"],
  // Our API keys, and any Bearer/Basic credential.
  [/\bsk_sovren_[A-Za-z0-9_-]+/g, "[redacted-token]"],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, "$1 [redacted-token]"],
  // E-mail addresses (RFC 5322's common form).
  [/[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+/g, "[redacted-email]"],
  // Phone numbers: E.164 (+ and 8-15 digits), or digits grouped by spaces, dashes or
  // parentheses (not dots: "12.345 ms" and IP addresses are not phone numbers).
  [/\+[1-9]\d{7,14}\b/g, "[redacted-phone]"],
  [/(?<![\w.:-])(?:\+?\d{1,3}[\s-]?)?(?:\(\d{2,4}\)[\s-]?)?\d{2,4}[\s-]\d{3,4}(?:[\s-]\d{2,4})?(?![\w.:-])/g, "[redacted-phone]"],
];

export function redact(text: string): string {
  let out = text;
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}

/** Redacts every string in a log record's fields (nested objects and arrays too). */
export function redactFields(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redact(value);
  if (depth > 5 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redactFields(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactFields(v, depth + 1);
  return out;
}
