-- Every trigger on projects, as it is today: when this file changes, migrate replaces them all.
SELECT geoprojects_drop_triggers('projects');

CREATE TRIGGER geoprojects_summarize_deletes AFTER DELETE ON projects REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_summarize_projects();
CREATE TRIGGER geoprojects_summarize_inserts AFTER INSERT ON projects REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_summarize_projects();
CREATE TRIGGER geoprojects_summarize_truncates AFTER TRUNCATE ON projects FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_summarize_projects();
CREATE TRIGGER geoprojects_summarize_updates AFTER UPDATE ON projects REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_summarize_projects();
CREATE TRIGGER projects_assign_zone BEFORE INSERT OR UPDATE OF location, zone_id ON projects FOR EACH ROW EXECUTE FUNCTION geoprojects_assign_zone();
CREATE TRIGGER projects_data_version AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON projects FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_bump_data_version();
CREATE TRIGGER projects_guard_field_writes BEFORE INSERT OR UPDATE ON projects FOR EACH ROW EXECUTE FUNCTION geoprojects_guard_field_writes();
CREATE TRIGGER projects_next_version BEFORE UPDATE ON projects FOR EACH ROW EXECUTE FUNCTION geoprojects_next_version();
CREATE TRIGGER projects_revisions_delete AFTER DELETE ON projects REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_record_revisions('Project', 'location', 'site');
CREATE TRIGGER projects_revisions_insert AFTER INSERT ON projects REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_record_revisions('Project', 'location', 'site');
CREATE TRIGGER projects_revisions_update AFTER UPDATE ON projects REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_record_revisions('Project', 'location', 'site');
CREATE TRIGGER projects_touch_updated_at BEFORE UPDATE ON projects FOR EACH ROW EXECUTE FUNCTION geoprojects_touch_updated_at();
