-- Row-level security on project_summary, whole: when this file changes, migrate replaces every policy on it.
SELECT geoprojects_drop_policies('project_summary');

ALTER TABLE project_summary ENABLE ROW LEVEL SECURITY;

CREATE POLICY project_summary_read ON project_summary FOR SELECT USING ((( SELECT geoprojects_reads_internal() AS geoprojects_reads_internal) OR ((status)::text = ANY (ARRAY( SELECT access_public_statuses.status
   FROM access_public_statuses)))));
