-- Row-level security on projects, whole: when this file changes, migrate replaces every policy on it.
SELECT geoprojects_drop_policies('projects');

ALTER TABLE projects FORCE ROW LEVEL SECURITY;
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;

CREATE POLICY projects_change ON projects FOR UPDATE USING (geoprojects_may_edit_zone(zone_id)) WITH CHECK (geoprojects_may_edit_zone(zone_id));

CREATE POLICY projects_create ON projects FOR INSERT WITH CHECK (geoprojects_may_edit_zone(zone_id));

CREATE POLICY projects_read ON projects FOR SELECT USING ((( SELECT geoprojects_reads_internal() AS geoprojects_reads_internal) OR ((status)::text = ANY (ARRAY( SELECT access_public_statuses.status
   FROM access_public_statuses)))));

CREATE POLICY projects_remove ON projects FOR DELETE USING ((geoprojects_role() = 'admin'::text));
