-- Row-level security on project_batches, whole: when this file changes, migrate replaces every policy on it.
SELECT geoprojects_drop_policies('project_batches');

ALTER TABLE project_batches FORCE ROW LEVEL SECURITY;
ALTER TABLE project_batches ENABLE ROW LEVEL SECURITY;

CREATE POLICY project_batches_change ON project_batches FOR UPDATE USING ((geoprojects_role() = 'admin'::text)) WITH CHECK ((geoprojects_role() = 'admin'::text));

CREATE POLICY project_batches_create ON project_batches FOR INSERT WITH CHECK ((geoprojects_role() = 'admin'::text));

CREATE POLICY project_batches_read ON project_batches FOR SELECT USING (true);

CREATE POLICY project_batches_remove ON project_batches FOR DELETE USING ((geoprojects_role() = 'admin'::text));
