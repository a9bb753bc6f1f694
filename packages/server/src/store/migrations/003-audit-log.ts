// The audit ledger (issue 13): one append-only, hash-chained list of records
// per tenant. Each record's `hash` is sha-256 over the previous record's hash
// and the record's canonical form (docs/audit-ledger.md), computed by the
// server (trust/audit-ledger.ts) so that `sovren-server audit verify` and any
// outside party recompute it from the rows alone.
//
// Append-only twice over: sovren_app is granted SELECT and INSERT only, and a
// trigger refuses UPDATE, DELETE and TRUNCATE for every role (a superuser who
// disables the trigger can still tamper; the chain is what detects that).
// Like `jobs`, the table is under a FORCE'd tenant policy; the one
// cross-tenant read (the list of tenants that have a chain, for `audit
// verify` without --tenant) is the SECURITY DEFINER function
// sovren_audit_tenants, owned by the NOLOGIN role sovren_worker (002).
export const version = "003_audit_log";

export const sql = `
CREATE TABLE audit_log (
  id           uuid PRIMARY KEY,
  tenant_id    text NOT NULL,
  -- Position in the tenant's chain, from 1.
  seq          bigint NOT NULL,
  -- HMAC-SHA256 of the acting subject under the configured pseudonym key.
  actor        text NOT NULL,
  action       text NOT NULL,
  -- e.g. executives/<uuid>; never personal data.
  resource     text NOT NULL,
  request_id   text NOT NULL,
  -- The record's time as the server wrote it into the hash (RFC 3339, ms).
  time         text NOT NULL,
  request_hash text NOT NULL,
  result_hash  text NOT NULL,
  prev_hash    text NOT NULL,
  hash         text NOT NULL,
  UNIQUE (tenant_id, seq)
);
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_log_tenant_isolation ON audit_log
  USING (tenant_id = current_setting('sovren.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('sovren.tenant_id', true));
CREATE POLICY audit_log_tenants ON audit_log FOR SELECT USING (current_user = 'sovren_worker');
GRANT SELECT, INSERT ON audit_log TO sovren_app;
GRANT SELECT ON audit_log TO sovren_worker;

CREATE FUNCTION sovren_audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$fn$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION sovren_audit_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION sovren_audit_refuse_change();

CREATE FUNCTION sovren_audit_tenants()
RETURNS TABLE (tenant_id text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT DISTINCT a.tenant_id FROM public.audit_log a ORDER BY 1
$fn$;
REVOKE ALL ON FUNCTION sovren_audit_tenants() FROM PUBLIC;
DO $$ BEGIN
  EXECUTE format('GRANT EXECUTE ON FUNCTION sovren_audit_tenants() TO %I', current_user);
END $$;
GRANT CREATE ON SCHEMA public TO sovren_worker;
ALTER FUNCTION sovren_audit_tenants() OWNER TO sovren_worker;
REVOKE CREATE ON SCHEMA public FROM sovren_worker;
`;
