// Durable work (issue 10): every simulation run and every communication
// delivery is a row in `jobs`, leased by the server instance running it.
// A lease is valid while its owner's row in `sovren_workers` is unexpired
// (each instance heartbeats its own row), so one UPDATE per instance keeps all
// of its leases alive, and a crashed instance's work becomes claimable by any
// other instance (or by itself after a restart) once its row expires.
//
// `jobs` is a tenant table like the others (FORCE'd row-level security), so
// the request path inserts and finishes jobs inside its tenant transaction.
// The one cross-tenant statement, the sweep that claims expired or due jobs,
// is the SECURITY DEFINER function sovren_claim_jobs, owned by the NOLOGIN
// role sovren_worker: a policy lets every tenant's jobs be seen only while
// current_user is sovren_worker, i.e. inside that function (and the role has
// no grant on any other tenant table). The connecting role therefore
// needs neither superuser nor BYPASSRLS.
export const version = "002_durable_jobs";

export const sql = `
-- Created here unless it exists (a non-superuser connecting role cannot
-- create roles: a DBA creates it beforehand, see packages/server/README.md).
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sovren_worker') THEN
    CREATE ROLE sovren_worker NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
-- The migrating role must be a member to hand the sweep function to it
-- (a DBA grants this beforehand when the connecting role is not a superuser).
DO $$ BEGIN
  EXECUTE format('GRANT sovren_worker TO %I', current_user);
EXCEPTION WHEN others THEN NULL;
END $$;
GRANT USAGE ON SCHEMA public TO sovren_worker;

-- One row per running server instance; expires_at is its lease horizon.
CREATE TABLE sovren_workers (
  id           text PRIMARY KEY,
  started_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  heartbeat_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  expires_at   timestamptz NOT NULL
);
GRANT SELECT ON sovren_workers TO sovren_app, sovren_worker;

CREATE TABLE jobs (
  kind        text NOT NULL CHECK (kind IN ('simulation', 'delivery')),
  -- operation_id (simulation) or message_id (delivery)
  id          uuid NOT NULL,
  tenant_id   text NOT NULL,
  -- Not claimable before this (a delivery: create_time + the delivery delay).
  due_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- The sovren_workers.id holding the lease; NULL = free.
  lease_owner text,
  -- Times the job was started (a clean shutdown hands it back uncounted).
  attempts    integer NOT NULL DEFAULT 0,
  create_time timestamptz NOT NULL DEFAULT clock_timestamp(),
  claim_time  timestamptz,
  PRIMARY KEY (kind, id)
);
CREATE INDEX jobs_due ON jobs (due_at);
CREATE INDEX jobs_lease_owner ON jobs (lease_owner);
ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs FORCE ROW LEVEL SECURITY;
CREATE POLICY jobs_tenant_isolation ON jobs
  USING (tenant_id = current_setting('sovren.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('sovren.tenant_id', true));
-- current_user, not "TO sovren_worker": a policy TO a role also applies to
-- its members, and the connecting role is a member (it hands the function
-- over at migration time); current_user is sovren_worker only inside the
-- SECURITY DEFINER function.
CREATE POLICY jobs_sweep ON jobs
  USING (current_user = 'sovren_worker') WITH CHECK (current_user = 'sovren_worker');
GRANT SELECT, INSERT, UPDATE, DELETE ON jobs TO sovren_app;
GRANT SELECT, UPDATE ON jobs TO sovren_worker;

-- Claims up to p_limit jobs that are due and free or whose owner's lease has
-- expired, for p_owner (which must be a live worker), counting an attempt.
-- Returns only what the caller needs to process each job in its tenant's
-- own transaction.
CREATE FUNCTION sovren_claim_jobs(p_owner text, p_limit integer)
RETURNS TABLE (job_tenant text, job_kind text, job_id uuid, job_attempts integer)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
  WITH me AS (
    SELECT 1 FROM public.sovren_workers w
    WHERE w.id = p_owner AND w.expires_at > clock_timestamp()
  ), picked AS (
    SELECT j.kind, j.id FROM public.jobs j
    WHERE EXISTS (SELECT 1 FROM me)
      AND j.due_at <= clock_timestamp()
      AND (j.lease_owner IS NULL OR NOT EXISTS (
        SELECT 1 FROM public.sovren_workers o
        WHERE o.id = j.lease_owner AND o.expires_at > clock_timestamp()))
    ORDER BY j.due_at
    LIMIT greatest(1, least(p_limit, 1000))
    FOR UPDATE OF j SKIP LOCKED
  )
  UPDATE public.jobs j SET lease_owner = p_owner, attempts = j.attempts + 1, claim_time = clock_timestamp()
  FROM picked WHERE j.kind = picked.kind AND j.id = picked.id
  RETURNING j.tenant_id, j.kind, j.id, j.attempts
$fn$;
REVOKE ALL ON FUNCTION sovren_claim_jobs(text, integer) FROM PUBLIC;
DO $$ BEGIN
  EXECUTE format('GRANT EXECUTE ON FUNCTION sovren_claim_jobs(text, integer) TO %I', current_user);
END $$;
-- The new owner needs CREATE on the schema only for the hand-over.
GRANT CREATE ON SCHEMA public TO sovren_worker;
ALTER FUNCTION sovren_claim_jobs(text, integer) OWNER TO sovren_worker;
REVOKE CREATE ON SCHEMA public FROM sovren_worker;

-- Idempotency claims name the instance running them, so a claim whose
-- instance died is taken over at once instead of blocking retries; the
-- resource id survives that takeover, so a retry finds what the crashed
-- attempt may already have created instead of creating it twice.
ALTER TABLE idempotency_keys ADD COLUMN owner text;
ALTER TABLE idempotency_keys ADD COLUMN resource_id uuid NOT NULL DEFAULT gen_random_uuid();

-- Work left unfinished before this migration becomes jobs (free, due now).
-- The owner role is subject to the FORCE'd policies, so lift them for the
-- length of this transaction.
ALTER TABLE operations NO FORCE ROW LEVEL SECURITY;
ALTER TABLE communications NO FORCE ROW LEVEL SECURITY;
ALTER TABLE jobs NO FORCE ROW LEVEL SECURITY;
INSERT INTO jobs (kind, id, tenant_id)
  SELECT 'simulation', operation_id, tenant_id FROM operations WHERE state IN ('pending', 'running');
INSERT INTO jobs (kind, id, tenant_id)
  SELECT 'delivery', message_id, tenant_id FROM communications WHERE status = 'sent';
ALTER TABLE operations FORCE ROW LEVEL SECURITY;
ALTER TABLE communications FORCE ROW LEVEL SECURITY;
ALTER TABLE jobs FORCE ROW LEVEL SECURITY;
`;
