// RFC 8785 (JCS) canonical JSON for the values the ledger hashes: object keys
// sorted by UTF-16 code units, no whitespace, ECMAScript number and string
// serialisation (which is what JCS prescribes). Fifteen lines rather than a
// dependency: JSON.stringify already does the number and string parts.
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    const text = JSON.stringify(value);
    // undefined, functions and symbols have no JSON form; null stands in, as in arrays.
    return text === undefined ? "null" : text;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}
