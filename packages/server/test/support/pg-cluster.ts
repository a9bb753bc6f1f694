// A throw-away PostgreSQL cluster for fault tests: initdb into a temporary
// directory, on a free port, run as an unprivileged user (PostgreSQL refuses
// to run as root: as root, every command runs as the `postgres` OS user via
// runuser). Tests stop, kill, freeze (SIGSTOP) and restart it; the shared
// server on 5432 is never touched.
//
// Gate: `pgClusterAvailability()` says whether the binaries are there. Tests
// skip with that reason when they are not, and fail instead when
// SOVREN_REQUIRE_POSTGRES=1 (CI).
import { execFile } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "./server-process.js";

const run = promisify(execFile);

/** Debian/Ubuntu install each major version under /usr/lib/postgresql/<major>/bin: newest first. */
function debianBinDirs(): string[] {
  try {
    return readdirSync("/usr/lib/postgresql")
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a))
      .map((v) => `/usr/lib/postgresql/${v}/bin`);
  } catch {
    return [];
  }
}

const CANDIDATE_BIN_DIRS = [process.env.SOVREN_PG_BIN, ...debianBinDirs(), "/usr/local/pgsql/bin"].filter(
  (d): d is string => Boolean(d),
);

const RUN_AS = "postgres";

export interface Availability {
  available: boolean;
  /** Why not, when not available. */
  reason?: string;
  binDir?: string;
}

function osUser(name: string): { uid: number; gid: number } | undefined {
  try {
    for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
      const f = line.split(":");
      if (f[0] === name) return { uid: Number(f[2]), gid: Number(f[3]) };
    }
  } catch {
    // no /etc/passwd
  }
  return undefined;
}

export function pgClusterAvailability(): Availability {
  const binDir = CANDIDATE_BIN_DIRS.find((d) => existsSync(path.join(d, "initdb")) && existsSync(path.join(d, "pg_ctl")));
  if (!binDir) return { available: false, reason: `no PostgreSQL binaries (initdb, pg_ctl) in ${CANDIDATE_BIN_DIRS.join(", ")}; set SOVREN_PG_BIN` };
  if (process.getuid?.() === 0 && !osUser(RUN_AS)) {
    return { available: false, reason: `running as root and there is no "${RUN_AS}" OS user to run PostgreSQL as` };
  }
  return { available: true, binDir };
}

/** True when tests needing a cluster must fail rather than skip. */
export const requirePostgres = process.env.SOVREN_REQUIRE_POSTGRES === "1";

export interface PgCluster {
  port: number;
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  dir: string;
  start(): Promise<void>;
  /** pg_ctl stop; "fast" disconnects every client (57P01), as in a restart. */
  stop(mode?: "smart" | "fast" | "immediate"): Promise<void>;
  /** SIGKILL of the postmaster and its children (a crash). */
  kill(): Promise<void>;
  /** SIGSTOP of every process of the cluster: connections stay open, nothing answers. */
  freeze(): Promise<void>;
  /** SIGCONT after freeze(). */
  thaw(): Promise<void>;
  restart(): Promise<void>;
  /** Stops it (immediate) and removes the directory. Idempotent. */
  cleanup(): Promise<void>;
}

/** initdb + start. Call cleanup() in afterAll. */
export async function startPgCluster(): Promise<PgCluster> {
  const avail = pgClusterAvailability();
  if (!avail.available) throw new Error(avail.reason);
  const bin = (name: string) => path.join(avail.binDir!, name);
  const asRoot = process.getuid?.() === 0;
  const exec = async (file: string, args: string[]) => {
    const [cmd, argv] = asRoot ? ["runuser", ["-u", RUN_AS, "--", file, ...args]] : [file, args];
    return run(cmd, argv, { timeout: 60_000 });
  };
  const dir = mkdtempSync(path.join(tmpdir(), "sovren-pg-"));
  if (asRoot) {
    const u = osUser(RUN_AS)!;
    chownSync(dir, u.uid, u.gid);
  }
  const data = path.join(dir, "data");
  const log = path.join(dir, "postgres.log");
  const port = await freePort();
  await exec(bin("initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=100`;

  const postmasterPid = (): number | undefined => {
    try {
      return Number(readFileSync(path.join(data, "postmaster.pid"), "utf8").split("\n")[0]);
    } catch {
      return undefined;
    }
  };
  /** The postmaster and every process whose parent it is. */
  const clusterPids = (): number[] => {
    const pm = postmasterPid();
    if (!pm) return [];
    const pids = [pm];
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        if (ppid === pm) pids.push(Number(entry));
      } catch {
        // gone meanwhile
      }
    }
    return pids;
  };
  const signal = (sig: NodeJS.Signals, pids: number[]) => {
    for (const pid of pids) {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  };

  let frozen: number[] = [];
  let removed = false;
  const cluster: PgCluster = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dir,
    async start() {
      await exec(bin("pg_ctl"), ["-D", data, "-l", log, "-o", options, "-w", "-t", "60", "start"]);
    },
    async stop(mode = "fast") {
      await exec(bin("pg_ctl"), ["-D", data, "-m", mode, "-w", "-t", "60", "stop"]);
    },
    async kill() {
      signal("SIGKILL", clusterPids());
      await new Promise((r) => setTimeout(r, 200));
    },
    async freeze() {
      frozen = clusterPids();
      signal("SIGSTOP", frozen);
    },
    async thaw() {
      signal("SIGCONT", frozen);
      frozen = [];
    },
    async restart() {
      await cluster.stop("fast");
      await cluster.start();
    },
    async cleanup() {
      if (removed) return;
      removed = true;
      if (frozen.length) await cluster.thaw();
      await exec(bin("pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await cluster.start();
  // Last resort if the test process dies without afterAll.
  process.once("exit", () => {
    if (!removed) signal("SIGKILL", clusterPids());
  });
  return cluster;
}
