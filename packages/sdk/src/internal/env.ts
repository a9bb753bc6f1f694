/** Reads an environment variable where there is one (Node, Bun; Deno with --allow-env), never throwing. */
export function readEnv(name: string): string | undefined {
  try {
    const g = globalThis as {
      process?: { env?: Record<string, string | undefined> };
      Deno?: { env?: { get(name: string): string | undefined } };
    };
    const value = g.process?.env?.[name] ?? g.Deno?.env?.get(name);
    return value?.trim() || undefined;
  } catch {
    return undefined;
  }
}
