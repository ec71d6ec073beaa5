-- Every trigger on progress_reports, as it is today: when this file changes, migrate replaces them all.
SELECT geoprojects_drop_triggers('progress_reports');

CREATE TRIGGER progress_reports_data_version AFTER INSERT OR DELETE OR UPDATE ON progress_reports FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_bump_data_version();
CREATE TRIGGER progress_reports_latest_figures_delete AFTER DELETE ON progress_reports REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_latest_figures();
CREATE TRIGGER progress_reports_latest_figures_insert AFTER INSERT ON progress_reports REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_latest_figures();
CREATE TRIGGER progress_reports_latest_figures_update AFTER UPDATE ON progress_reports REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_latest_figures();
CREATE TRIGGER progress_reports_next_version BEFORE UPDATE ON progress_reports FOR EACH ROW EXECUTE FUNCTION geoprojects_next_version();
CREATE TRIGGER progress_reports_revisions_delete AFTER DELETE ON progress_reports REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_record_revisions('ProgressReport');
CREATE TRIGGER progress_reports_revisions_insert AFTER INSERT ON progress_reports REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_record_revisions('ProgressReport');
CREATE TRIGGER progress_reports_revisions_update AFTER UPDATE ON progress_reports REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_record_revisions('ProgressReport');
