// Signing keys (issue 13): every executive has Ed25519 keys, the server has
// its own. Private keys are stored encrypted (envelope encryption): an
// executive's under its tenant's data key, which is stored wrapped by the
// key-encryption key from configuration (SOVREN_KEK); the server's directly
// under the KEK. Rotated keys keep their row (retire_time set) so that their
// public halves stay published and old signatures still verify.
export const version = "005_signing_keys";

const tenantRls = (t: string) => `
ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY;
ALTER TABLE ${t} FORCE ROW LEVEL SECURITY;
CREATE POLICY ${t}_tenant_isolation ON ${t}
  USING (tenant_id = current_setting('sovren.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('sovren.tenant_id', true));`;

export const sql = `
CREATE TABLE tenant_data_keys (
  tenant_id   text PRIMARY KEY,
  -- AES-256-GCM(KEK, data key), base64url of iv ‖ ciphertext ‖ tag.
  wrapped_key text NOT NULL,
  -- Which KEK wrapped it (the first 16 hex digits of its SHA-256).
  kek_id      text NOT NULL,
  create_time timestamptz NOT NULL DEFAULT clock_timestamp()
);
${tenantRls("tenant_data_keys")}
GRANT SELECT, INSERT ON tenant_data_keys TO sovren_app;

CREATE TABLE executive_keys (
  kid           text PRIMARY KEY,
  tenant_id     text NOT NULL,
  executive_id  uuid NOT NULL REFERENCES executives (id),
  public_jwk    jsonb NOT NULL,
  -- AES-256-GCM(tenant data key, PKCS#8 DER), base64url of iv ‖ ciphertext ‖ tag.
  private_key   text NOT NULL,
  create_time   timestamptz NOT NULL DEFAULT clock_timestamp(),
  retire_time   timestamptz
);
CREATE INDEX executive_keys_executive ON executive_keys (tenant_id, executive_id, create_time DESC);
${tenantRls("executive_keys")}
GRANT SELECT, INSERT ON executive_keys TO sovren_app;
GRANT UPDATE (retire_time) ON executive_keys TO sovren_app;

-- Read by the owner role only, like api_keys (no grant to sovren_app).
CREATE TABLE server_keys (
  kid         text PRIMARY KEY,
  public_jwk  jsonb NOT NULL,
  private_key text NOT NULL,
  kek_id      text NOT NULL,
  create_time timestamptz NOT NULL DEFAULT clock_timestamp(),
  retire_time timestamptz
);
ALTER TABLE server_keys ENABLE ROW LEVEL SECURITY;
`;
