-- Every trigger on project_batches, as it is today: when this file changes, migrate replaces them all.
SELECT geoprojects_drop_triggers('project_batches');

CREATE TRIGGER project_batches_data_version AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON project_batches FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_bump_data_version();
CREATE TRIGGER project_batches_guard_field_writes BEFORE INSERT OR UPDATE ON project_batches FOR EACH ROW EXECUTE FUNCTION geoprojects_guard_field_writes();
CREATE TRIGGER project_batches_next_version BEFORE UPDATE ON project_batches FOR EACH ROW EXECUTE FUNCTION geoprojects_next_version();
CREATE TRIGGER project_batches_revisions_delete AFTER DELETE ON project_batches REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_record_revisions('ProjectBatch');
CREATE TRIGGER project_batches_revisions_insert AFTER INSERT ON project_batches REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_record_revisions('ProjectBatch');
CREATE TRIGGER project_batches_revisions_update AFTER UPDATE ON project_batches REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_record_revisions('ProjectBatch');
