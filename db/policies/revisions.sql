-- Row-level security on revisions, whole: when this file changes, migrate replaces every policy on it.
SELECT geoprojects_drop_policies('revisions');

ALTER TABLE revisions FORCE ROW LEVEL SECURITY;
ALTER TABLE revisions ENABLE ROW LEVEL SECURITY;

CREATE POLICY revisions_read ON revisions FOR SELECT USING (( SELECT geoprojects_reads_internal() AS geoprojects_reads_internal));

CREATE POLICY revisions_record ON revisions FOR INSERT WITH CHECK (true);
