// Erasure of a data subject (issue 13) runs as durable work: a job of kind
// 'erasure' whose payload holds the subject's identifiers in clear only until
// the erasure commits (the job row is deleted in that transaction), so that
// the erasure's own operation never stores them.
export const version = "004_erasure";

export const sql = `
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN ('simulation', 'delivery', 'erasure'));
ALTER TABLE jobs ADD COLUMN payload jsonb;
CREATE INDEX operations_tenant_user ON operations (tenant_id, user_id);
CREATE INDEX communications_tenant_recipient ON communications (tenant_id, recipient);
`;
