// The initial schema. Every tenant table carries tenant_id and is guarded by a
// FORCE'd row-level security policy on the `sovren.tenant_id` setting, so even
// a query that forgets its tenant filter sees only the current tenant's rows
// (and none at all when no tenant is set).
export const version = "001_init";

const tenantTables = ["executives", "operations", "communications", "idempotency_keys"];

const rls = tenantTables
  .map(
    (t) => `
ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY;
ALTER TABLE ${t} FORCE ROW LEVEL SECURITY;
CREATE POLICY ${t}_tenant_isolation ON ${t}
  USING (tenant_id = current_setting('sovren.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('sovren.tenant_id', true));
GRANT SELECT, INSERT, UPDATE, DELETE ON ${t} TO sovren_app;`,
  )
  .join("\n");

export const sql = `
-- Roles are cluster-wide: several databases (and concurrent test runs) share it.
-- Created here unless it exists (a non-superuser connecting role cannot
-- create roles: a DBA creates it beforehand, see packages/server/README.md).
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sovren_app') THEN
    CREATE ROLE sovren_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
-- A non-superuser connecting role must be a member to SET ROLE to it.
DO $$ BEGIN
  EXECUTE format('GRANT sovren_app TO %I', current_user);
EXCEPTION WHEN others THEN NULL;
END $$;
GRANT USAGE ON SCHEMA public TO sovren_app;

CREATE TABLE executives (
  id            uuid PRIMARY KEY,
  tenant_id     text NOT NULL,
  -- Insertion order: the keyset for "newest first" pagination, exact where
  -- timestamps may tie.
  seq           bigint GENERATED ALWAYS AS IDENTITY,
  name          text NOT NULL,
  role          text NOT NULL,
  skills        text[] NOT NULL DEFAULT '{}',
  voice_profile text NOT NULL DEFAULT '',
  state         text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'retired')),
  retire_reason text,
  create_time   timestamptz NOT NULL DEFAULT clock_timestamp(),
  update_time   timestamptz NOT NULL DEFAULT clock_timestamp(),
  retire_time   timestamptz
);
-- Names are unique per tenant, case-insensitively ("Aurora" and "aurora"
-- would be the same persona to a person); two tenants may share a name.
CREATE UNIQUE INDEX executives_tenant_name ON executives (tenant_id, lower(name));
CREATE INDEX executives_tenant_seq ON executives (tenant_id, seq DESC);

CREATE TABLE operations (
  operation_id  uuid PRIMARY KEY,
  tenant_id     text NOT NULL,
  seq           bigint GENERATED ALWAYS AS IDENTITY,
  user_id       text NOT NULL,
  kind          text NOT NULL DEFAULT 'simulation',
  executive_id  uuid REFERENCES executives (id),
  state         text NOT NULL CHECK (state IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
  progress      double precision NOT NULL DEFAULT 0,
  parameters    jsonb NOT NULL,
  result        jsonb,
  error         jsonb,
  -- The seed asks for numeric(5,2); two decimals would turn 0.6234 into 0.62.
  -- Six decimals resolve one trial in a million (the largest allowed run),
  -- so the stored fraction is within half a trial of the exact one. The
  -- exact double stays in result->'confidence'.
  confidence    numeric(7,6) NOT NULL DEFAULT 0 CHECK (confidence BETWEEN 0 AND 1),
  backend       text NOT NULL,
  create_time   timestamptz NOT NULL DEFAULT clock_timestamp(),
  update_time   timestamptz NOT NULL DEFAULT clock_timestamp(),
  started_at    timestamptz,
  executed_at   timestamptz
);
CREATE INDEX operations_tenant_seq ON operations (tenant_id, seq DESC);

CREATE TABLE communications (
  message_id     uuid PRIMARY KEY,
  tenant_id      text NOT NULL,
  seq            bigint GENERATED ALWAYS AS IDENTITY,
  executive_id   uuid NOT NULL REFERENCES executives (id),
  recipient      text NOT NULL,
  message        text NOT NULL,
  status         text NOT NULL CHECK (status IN ('sent', 'delivered', 'failed')),
  failure_reason text NOT NULL DEFAULT '',
  create_time    timestamptz NOT NULL DEFAULT clock_timestamp(),
  update_time    timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX communications_tenant_seq ON communications (tenant_id, seq DESC);

CREATE TABLE idempotency_keys (
  tenant_id     text NOT NULL,
  key           text NOT NULL,
  method        text NOT NULL,
  request_hash  text NOT NULL,
  state         text NOT NULL CHECK (state IN ('running', 'done')),
  status        integer,
  response      jsonb,
  create_time   timestamptz NOT NULL DEFAULT clock_timestamp(),
  expire_time   timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, key)
);

${rls}

-- Credentials are looked up by hash before any tenant is known, so this table
-- is read by the owner role only (RLS enabled but not forced; sovren_app has
-- no grant on it at all).
CREATE TABLE api_keys (
  id          uuid PRIMARY KEY,
  tenant_id   text NOT NULL,
  key_hash    text NOT NULL UNIQUE,
  roles       text[] NOT NULL,
  name        text NOT NULL DEFAULT '',
  create_time timestamptz NOT NULL DEFAULT clock_timestamp(),
  revoke_time timestamptz
);
ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
`;
