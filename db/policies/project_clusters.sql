-- Row-level security on project_clusters, whole: when this file changes, migrate replaces every policy on it.
SELECT geoprojects_drop_policies('project_clusters');

ALTER TABLE project_clusters ENABLE ROW LEVEL SECURITY;

CREATE POLICY project_clusters_read ON project_clusters FOR SELECT USING ((( SELECT geoprojects_reads_internal() AS geoprojects_reads_internal) OR ((status)::text = ANY (ARRAY( SELECT access_public_statuses.status
   FROM access_public_statuses)))));
