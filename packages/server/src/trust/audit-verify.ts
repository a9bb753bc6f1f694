// Walks every tenant's chain (or one) and reports the first record that breaks
// it: a record whose content no longer matches its hash (changed), whose
// sequence skips (removed) or whose prev_hash is not its predecessor's hash
// (removed, reordered or replaced). Reads run as the application role in each
// tenant's transaction; the list of tenants comes from the SECURITY DEFINER
// function sovren_audit_tenants (migration 003), so the connecting role needs
// neither superuser nor BYPASSRLS.
import type { Db } from "../store/db.js";
import { GENESIS_HASH, listAuditRecords, recordHash } from "./audit-ledger.js";

export interface ChainReport {
  tenantId: string;
  records: number;
  head: { seq: string; hash: string };
}

export interface BrokenRecord {
  tenantId: string;
  recordId: string;
  seq: string;
  /** What differs, in words: which check failed and the two values. */
  problem: string;
}

export interface VerifyResult {
  ok: boolean;
  chains: ChainReport[];
  broken?: BrokenRecord;
}

const PAGE = 1000;

export async function verifyAudit(
  db: Db,
  options: { tenantId?: string; expectedHead?: { seq: string; hash: string } } = {},
): Promise<VerifyResult> {
  const tenants = options.tenantId
    ? [options.tenantId]
    : (await db.ownerTransaction((tx) => tx.query<{ tenant_id: string }>("SELECT tenant_id FROM sovren_audit_tenants()"))).rows.map((r) => r.tenant_id);
  const chains: ChainReport[] = [];
  for (const tenantId of tenants) {
    let expectedSeq = 1n;
    let prevHash = GENESIS_HASH;
    let count = 0;
    let after: string | undefined;
    let hashAtExpected: string | undefined;
    for (;;) {
      const page = await db.transaction(tenantId, (tx) => listAuditRecords(tx, tenantId, after, PAGE));
      for (const r of page) {
        const broken = (problem: string): VerifyResult => ({ ok: false, chains, broken: { tenantId, recordId: r.recordId, seq: r.seq, problem } });
        if (BigInt(r.seq) !== expectedSeq) {
          return broken(`seq is ${r.seq} where ${expectedSeq} was expected: record(s) ${expectedSeq}..${BigInt(r.seq) - 1n} were removed`);
        }
        if (r.prevHash !== prevHash) {
          return broken(
            `prev_hash ${r.prevHash} differs from the hash of the record before it (${prevHash}): ` +
              "a record before it was removed, reordered or replaced",
          );
        }
        const computed = recordHash(r);
        if (computed !== r.hash) {
          return broken(`content does not match its hash (stored ${r.hash}, computed ${computed}): the record was changed`);
        }
        if (options.expectedHead?.seq === r.seq) hashAtExpected = r.hash;
        prevHash = r.hash;
        expectedSeq += 1n;
        count += 1;
      }
      if (page.length < PAGE) break;
      after = page.at(-1)!.seq;
    }
    const head = { seq: String(expectedSeq - 1n), hash: prevHash };
    chains.push({ tenantId, records: count, head });
    const want = options.expectedHead;
    if (want && want.seq !== "0" && hashAtExpected !== want.hash) {
      return {
        ok: false,
        chains,
        broken: {
          tenantId,
          recordId: "",
          seq: want.seq,
          problem:
            hashAtExpected === undefined
              ? `the chain ends at seq ${head.seq}, but a head at seq ${want.seq} was recorded: records were truncated`
              : `the record at seq ${want.seq} has hash ${hashAtExpected}, but ${want.hash} was recorded: the chain was rewritten`,
        },
      };
    }
  }
  return { ok: true, chains };
}
