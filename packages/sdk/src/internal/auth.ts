/** Returns a bearer token; `forceRefresh` is true after the server rejected the last one (401). */
export type TokenProvider = (context: { forceRefresh: boolean }) => string | Promise<string>;

export interface Credentials {
  apiKey?: string | undefined;
  token?: string | undefined;
  getToken?: TokenProvider | undefined;
  tenantId?: string | undefined;
  defaultHeaders?: Record<string, string> | undefined;
}

/** Builds the headers every request starts from: defaults, then credentials and tenant. */
export function headerBuilder(credentials: Credentials): (refresh: boolean) => Promise<Headers> {
  return async (refresh) => {
    const headers = new Headers(credentials.defaultHeaders);
    if (credentials.apiKey) headers.set("x-api-key", credentials.apiKey);
    const token = credentials.getToken ? await credentials.getToken({ forceRefresh: refresh }) : credentials.token;
    if (token) headers.set("authorization", `Bearer ${token}`);
    if (credentials.tenantId) headers.set("x-tenant-id", credentials.tenantId);
    return headers;
  };
}

/** Whether a request was built without credentials (the low-level clients' requests, not the engine's). */
export function lacksCredentials(headers: Headers): boolean {
  return !headers.has("authorization") && !headers.has("x-api-key");
}

/** Copies into `target` each header of `defaults` that `target` lacks (for the low-level clients). */
export function fillMissing(target: Headers, defaults: Headers): void {
  defaults.forEach((value, name) => {
    if (!target.has(name)) target.set(name, value);
  });
}
