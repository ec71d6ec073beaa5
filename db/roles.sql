-- The API's login: no superuser, no BYPASSRLS, owner of nothing, so row-level security holds for every request it serves
-- (Data/ServingLogins.cs refuses any serving login that would skip it). One role per cluster; its password is set by
-- migrate from Database__ApiPassword. What it may touch, table by table:
DO $$ BEGIN
  CREATE ROLE geoprojects_api LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; -- another database of the cluster made it
END $$;

GRANT USAGE ON SCHEMA public TO geoprojects_api;
GRANT SELECT ON TABLE "__EFMigrationsHistory" TO geoprojects_api;
GRANT SELECT ON TABLE access_field_writes TO geoprojects_api;
GRANT SELECT ON TABLE access_public_statuses TO geoprojects_api;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE annual_plans TO geoprojects_api;
GRANT SELECT,USAGE ON SEQUENCE annual_plans_id_seq TO geoprojects_api;
GRANT SELECT ON TABLE data_version TO geoprojects_api;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE progress_reports TO geoprojects_api;
GRANT SELECT,USAGE ON SEQUENCE progress_reports_id_seq TO geoprojects_api;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE project_batches TO geoprojects_api;
GRANT SELECT,USAGE ON SEQUENCE project_batches_id_seq TO geoprojects_api;
GRANT SELECT ON TABLE project_clusters TO geoprojects_api;
GRANT SELECT ON TABLE project_summary TO geoprojects_api;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE projects TO geoprojects_api;
GRANT SELECT,USAGE ON SEQUENCE projects_id_seq TO geoprojects_api;
GRANT SELECT ON TABLE revisions TO geoprojects_api;
GRANT SELECT,USAGE ON SEQUENCE revisions_id_seq TO geoprojects_api;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE zones TO geoprojects_api;
GRANT SELECT,USAGE ON SEQUENCE zones_id_seq TO geoprojects_api;
