-- Every trigger on zones, as it is today: when this file changes, migrate replaces them all.
SELECT geoprojects_drop_triggers('zones');

CREATE TRIGGER zones_data_version AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON zones FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_bump_data_version();
CREATE TRIGGER zones_guard_field_writes BEFORE INSERT OR UPDATE ON zones FOR EACH ROW EXECUTE FUNCTION geoprojects_guard_field_writes();
CREATE TRIGGER zones_next_version BEFORE UPDATE ON zones FOR EACH ROW EXECUTE FUNCTION geoprojects_next_version();
CREATE TRIGGER zones_revisions_delete AFTER DELETE ON zones REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_record_revisions('Zone', 'boundary');
CREATE TRIGGER zones_revisions_insert AFTER INSERT ON zones REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_record_revisions('Zone', 'boundary');
CREATE TRIGGER zones_revisions_update AFTER UPDATE ON zones REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_record_revisions('Zone', 'boundary');
