-- Row-level security on progress_reports, whole: when this file changes, migrate replaces every policy on it.
SELECT geoprojects_drop_policies('progress_reports');

ALTER TABLE progress_reports FORCE ROW LEVEL SECURITY;
ALTER TABLE progress_reports ENABLE ROW LEVEL SECURITY;

CREATE POLICY progress_reports_change ON progress_reports FOR UPDATE USING (geoprojects_may_edit_project(project_id)) WITH CHECK (geoprojects_may_edit_project(project_id));

CREATE POLICY progress_reports_create ON progress_reports FOR INSERT WITH CHECK (geoprojects_may_edit_project(project_id));

CREATE POLICY progress_reports_read ON progress_reports FOR SELECT USING (( SELECT geoprojects_reads_internal() AS geoprojects_reads_internal));

CREATE POLICY progress_reports_remove ON progress_reports FOR DELETE USING (geoprojects_may_edit_project(project_id));
