// Where the examples find the server and their credential. `pnpm demo` sets
// both; against your own server, export SOVREN_BASE_URL and SOVREN_TOKEN
// (print one with `pnpm token --tenant <id>`) or SOVREN_API_KEY.
export const baseUrl = process.env.SOVREN_BASE_URL ?? "http://localhost:8080";
export const token = process.env.SOVREN_TOKEN;
if (!token && !process.env.SOVREN_API_KEY) {
  console.error("Set SOVREN_TOKEN (pnpm token --tenant <id>) or SOVREN_API_KEY first.");
  process.exit(2);
}
