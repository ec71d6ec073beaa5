-- Every trigger on annual_plans, as it is today: when this file changes, migrate replaces them all.
SELECT geoprojects_drop_triggers('annual_plans');

CREATE TRIGGER annual_plans_data_version AFTER INSERT OR DELETE OR UPDATE ON annual_plans FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_bump_data_version();
CREATE TRIGGER annual_plans_latest_figures_delete AFTER DELETE ON annual_plans REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_latest_figures();
CREATE TRIGGER annual_plans_latest_figures_insert AFTER INSERT ON annual_plans REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_latest_figures();
CREATE TRIGGER annual_plans_latest_figures_update AFTER UPDATE ON annual_plans REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_latest_figures();
CREATE TRIGGER annual_plans_next_version BEFORE UPDATE ON annual_plans FOR EACH ROW EXECUTE FUNCTION geoprojects_next_version();
CREATE TRIGGER annual_plans_revisions_delete AFTER DELETE ON annual_plans REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_record_revisions('AnnualPlan');
CREATE TRIGGER annual_plans_revisions_insert AFTER INSERT ON annual_plans REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_record_revisions('AnnualPlan');
CREATE TRIGGER annual_plans_revisions_update AFTER UPDATE ON annual_plans REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_record_revisions('AnnualPlan');
