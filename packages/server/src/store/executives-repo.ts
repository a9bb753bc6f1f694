// SQL for executives. Every function runs inside a tenant transaction, so
// row-level security has already limited what it can see or change.
import type { Executive } from "@sovren/contracts/zod";
import type { Queryable, Row } from "./db.js";
import { iso, optionalIso } from "./rows.js";

const COLUMNS = "id, seq, name, role, skills, voice_profile, state, create_time, update_time, retire_time";

export interface ExecutivePage {
  items: Executive[];
  lastSeq: string | undefined;
  more: boolean;
}

function toJson(r: Row): Executive {
  const retireTime = optionalIso(r.retire_time);
  return {
    id: String(r.id),
    name: String(r.name),
    role: String(r.role),
    skills: (r.skills as string[] | null) ?? [],
    voiceProfile: String(r.voice_profile ?? ""),
    state: r.state === "retired" ? "EXECUTIVE_STATE_RETIRED" : "EXECUTIVE_STATE_ACTIVE",
    createTime: iso(r.create_time),
    updateTime: iso(r.update_time),
    ...(retireTime ? { retireTime } : {}),
  };
}

export async function insertExecutive(
  tx: Queryable,
  e: { id: string; tenantId: string; name: string; role: string; skills: string[]; voiceProfile: string },
): Promise<Executive> {
  const { rows } = await tx.query(
    `INSERT INTO executives (id, tenant_id, name, role, skills, voice_profile)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [e.id, e.tenantId, e.name, e.role, e.skills, e.voiceProfile],
  );
  return toJson(rows[0]!);
}

export async function getExecutive(tx: Queryable, id: string, forUpdate = false): Promise<Executive | undefined> {
  const { rows } = await tx.query(
    `SELECT ${COLUMNS} FROM executives WHERE id = $1${forUpdate ? " FOR UPDATE" : ""}`,
    [id],
  );
  return rows[0] ? toJson(rows[0]) : undefined;
}

export async function listExecutives(
  tx: Queryable,
  q: { afterSeq?: string; limit: number; role?: string; state?: "active" | "retired" },
): Promise<ExecutivePage> {
  const { rows } = await tx.query(
    `SELECT ${COLUMNS} FROM executives
     WHERE ($1::bigint IS NULL OR seq < $1::bigint)
       AND ($2::text IS NULL OR role = $2::text)
       AND ($3::text IS NULL OR state = $3::text)
     ORDER BY seq DESC LIMIT $4`,
    [q.afterSeq ?? null, q.role ?? null, q.state ?? null, q.limit + 1],
  );
  const more = rows.length > q.limit;
  const page = rows.slice(0, q.limit);
  return { items: page.map(toJson), lastSeq: page.length ? String(page[page.length - 1]!.seq) : undefined, more };
}

export async function updateExecutive(
  tx: Queryable,
  id: string,
  changes: { name?: string; role?: string; skills?: string[]; voiceProfile?: string },
): Promise<Executive | undefined> {
  const { rows } = await tx.query(
    `UPDATE executives SET
       name = COALESCE($2, name),
       role = COALESCE($3, role),
       skills = COALESCE($4, skills),
       voice_profile = COALESCE($5, voice_profile),
       update_time = clock_timestamp()
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, changes.name ?? null, changes.role ?? null, changes.skills ?? null, changes.voiceProfile ?? null],
  );
  return rows[0] ? toJson(rows[0]) : undefined;
}

export async function retireExecutive(tx: Queryable, id: string, reason: string): Promise<Executive | undefined> {
  const { rows } = await tx.query(
    `UPDATE executives SET state = 'retired', retire_reason = $2,
       retire_time = clock_timestamp(), update_time = clock_timestamp()
     WHERE id = $1 AND state = 'active' RETURNING ${COLUMNS}`,
    [id, reason],
  );
  return rows[0] ? toJson(rows[0]) : undefined;
}
