#!/usr/bin/env node
// sovren-server: serve (default), print a development token, create an API key.
import { parseArgs } from "node:util";
import { createApiKey } from "./auth/api-keys.js";
import { mintToken, parseTtl } from "./auth/dev-token.js";
import { ConfigError, DEV_JWT_SECRET, loadConfig } from "./config.js";
import { DRAIN_MESSAGE, isPrimaryOfCluster, runPrimary, workerCount } from "./cluster.js";
import type { Role } from "./domain/principal.js";
import { startServer } from "./server.js";
import { openDb } from "./store/open.js";
import { auditCommand } from "./trust/audit-cli.js";
import { keysCommand } from "./trust/keys-cli.js";

const USAGE = `Usage:
  sovren-server [serve] [--workers N|auto]    start the server (configured by environment, see README);
                                              --workers (SOVREN_WORKERS): N processes on one port, PostgreSQL only
  sovren-server token --tenant <id> [--roles admin,member,viewer] [--ttl 30m] [--sub <subject>]
                                              print a development JWT signed with SOVREN_JWT_SECRET
  sovren-server create-api-key --tenant <id> [--roles member] [--name <label>]
                                              store a new API key (hashed) and print it once
  sovren-server audit verify [--tenant <id>] [--head <seq>:<hash>]
                                              walk the audit hash chains; exit 1 naming the first broken record
  sovren-server keys rotate --server | --tenant <id> --executive <id>
                                              new signing key; old public keys stay published`;

const ROLES = new Set(["admin", "member", "viewer"]);

function parseRoles(value: string | undefined, fallback: Role[]): Role[] {
  if (!value) return fallback;
  const roles = value.split(",").map((r) => r.trim());
  for (const r of roles) if (!ROLES.has(r)) throw new Error(`unknown role "${r}" (admin, member, viewer)`);
  return roles as Role[];
}

async function main(argv: string[]): Promise<void> {
  const command = argv[0] && !argv[0].startsWith("-") ? argv.shift()! : "serve";
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: command === "audit" || command === "keys",
    options: {
      tenant: { type: "string" },
      roles: { type: "string" },
      ttl: { type: "string", default: "30m" },
      sub: { type: "string" },
      name: { type: "string" },
      head: { type: "string" },
      server: { type: "boolean" },
      executive: { type: "string" },
      workers: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help || command === "help") {
    console.log(USAGE);
    return;
  }
  const config = loadConfig();
  switch (command) {
    case "serve": {
      const workers = workerCount(values.workers, process.env);
      if (workers > 1 && isPrimaryOfCluster()) {
        runPrimary(config, workers);
        return;
      }
      if (config.jwtSecretIsDevDefault) {
        console.error(
          `WARNING: SOVREN_JWT_SECRET is not set; tokens are signed with the public development secret "${DEV_JWT_SECRET}". ` +
            "Never use it in production. Print a token with: sovren-server token --tenant <id>",
        );
      }
      const server = await startServer();
      // SIGTERM/SIGINT drain (see server.close); a second signal exits at once.
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) {
          console.error(`${signal} again: exiting without finishing the drain`);
          process.exit(1);
        }
        stopping = true;
        console.error(`${signal}: draining (at most ${config.timeouts.drainMs} ms), then shutting down`);
        try {
          await server.close();
        } catch (err) {
          console.error(`error while shutting down: ${err instanceof Error ? err.message : String(err)}`);
          process.exit(1);
        }
        process.exit(0);
      };
      process.on("SIGINT", () => void stop("SIGINT"));
      process.on("SIGTERM", () => void stop("SIGTERM"));
      // A cluster worker: the primary asks it to drain (see cluster.ts).
      process.on("message", (m) => {
        if (m === DRAIN_MESSAGE && !stopping) void stop("drain (from the primary)");
      });
      return;
    }
    case "token": {
      if (!values.tenant) throw new Error("--tenant is required");
      if (!config.jwtSecret) throw new Error("SOVREN_JWT_SECRET is needed to sign tokens when a JWKS is configured");
      const token = await mintToken({
        secret: config.jwtSecret,
        audience: config.jwtAudience,
        tenantId: values.tenant,
        roles: parseRoles(values.roles, ["admin"]),
        subject: values.sub,
        ttlSeconds: parseTtl(values.ttl!),
      });
      console.log(token);
      return;
    }
    case "create-api-key": {
      if (!values.tenant) throw new Error("--tenant is required");
      if (!config.databaseUrl && !config.dataDir) {
        throw new Error("set DATABASE_URL or SOVREN_DATA_DIR: an in-memory database forgets the key when this command exits");
      }
      const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      try {
        const { id, key } = await createApiKey(db, {
          tenantId: values.tenant,
          roles: parseRoles(values.roles, ["member"]),
          name: values.name,
        });
        console.error(`API key ${id} for tenant ${values.tenant} (shown once; only its SHA-256 is stored):`);
        console.log(key);
      } finally {
        await db.close();
      }
      return;
    }
    case "audit": {
      process.exitCode = await auditCommand(config, positionals[0], { ...(values.tenant ? { tenant: values.tenant } : {}), ...(values.head ? { head: values.head } : {}) });
      return;
    }
    case "keys": {
      process.exitCode = await keysCommand(config, positionals[0], {
        ...(values.server ? { server: true } : {}),
        ...(values.tenant ? { tenant: values.tenant } : {}),
        ...(values.executive ? { executive: values.executive } : {}),
      });
      return;
    }
    default:
      throw new Error(`unknown command "${command}"\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err instanceof ConfigError ? err.message : `error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(err instanceof ConfigError ? 78 : 1);
});
