-- Every trigger on revisions, as it is today: when this file changes, migrate replaces them all.
SELECT geoprojects_drop_triggers('revisions');

CREATE TRIGGER revisions_append_only BEFORE DELETE OR UPDATE OR TRUNCATE ON revisions FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_revisions_are_append_only();
CREATE TRIGGER revisions_in_commit_order BEFORE INSERT ON revisions FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_revisions_in_commit_order();
