// Starts the built server (`dist/cli.js serve`) as a child process, so tests
// can do to it what an operator or a crash does: SIGTERM, SIGKILL, restart.
// `pnpm test` builds the packages first; the tests read the same binary a
// user runs.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import { fileURLToPath } from "node:url";

export const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

export interface ServerProcess {
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** Every line the process printed (JSON logs on stdout, warnings on stderr). */
  lines: string[];
  /** Parsed JSON log lines at level "error". */
  errorLines(): Record<string, unknown>[];
  /** Resolves with the exit code and signal once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

/** A free TCP port on 127.0.0.1 (closed again before it is returned). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface SpawnOptions {
  env?: Record<string, string | undefined>;
  port?: number;
  /** How long to wait for /v1/health to answer (default 30 s). */
  readyTimeoutMs?: number;
}

/** Spawns the server and resolves once `GET /v1/health` answers 200. */
export async function spawnServer(options: SpawnOptions = {}): Promise<ServerProcess> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build the server first (pnpm build)`);
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, [CLI, "serve"], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      HOST: "127.0.0.1",
      PORT: String(port),
      SOVREN_LOG_LEVEL: "info",
      SOVREN_RATE_LIMIT_RPS: "100000",
      ...options.env,
    } as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const collect = (stream: NodeJS.ReadableStream | null) => {
    let buf = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
  };
  collect(child.stdout);
  collect(child.stderr);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 90_000);
  let gone = false;
  void exited.then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error(`server exited before it was ready:\n${lines.slice(-20).join("\n")}`);
    try {
      const res = await fetch(`${url}/v1/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`server not ready after ${options.readyTimeoutMs ?? 90_000} ms:\n${lines.slice(-20).join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    pid: child.pid!,
    child,
    lines,
    errorLines: () =>
      lines.flatMap((l) => {
        try {
          const o = JSON.parse(l) as Record<string, unknown>;
          return o.level === "error" ? [o] : [];
        } catch {
          return [];
        }
      }),
    exited,
    kill: (signal = "SIGTERM") => {
      if (!gone) child.kill(signal);
    },
  };
}
