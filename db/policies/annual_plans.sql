-- Row-level security on annual_plans, whole: when this file changes, migrate replaces every policy on it.
SELECT geoprojects_drop_policies('annual_plans');

ALTER TABLE annual_plans FORCE ROW LEVEL SECURITY;
ALTER TABLE annual_plans ENABLE ROW LEVEL SECURITY;

CREATE POLICY annual_plans_change ON annual_plans FOR UPDATE USING (geoprojects_may_edit_project(project_id)) WITH CHECK (geoprojects_may_edit_project(project_id));

CREATE POLICY annual_plans_create ON annual_plans FOR INSERT WITH CHECK (geoprojects_may_edit_project(project_id));

CREATE POLICY annual_plans_read ON annual_plans FOR SELECT USING (( SELECT geoprojects_reads_internal() AS geoprojects_reads_internal));

CREATE POLICY annual_plans_remove ON annual_plans FOR DELETE USING (geoprojects_may_edit_project(project_id));
