-- Row-level security on zones, whole: when this file changes, migrate replaces every policy on it.
SELECT geoprojects_drop_policies('zones');

ALTER TABLE zones FORCE ROW LEVEL SECURITY;
ALTER TABLE zones ENABLE ROW LEVEL SECURITY;

CREATE POLICY zones_change ON zones FOR UPDATE USING ((geoprojects_role() = 'admin'::text)) WITH CHECK ((geoprojects_role() = 'admin'::text));

CREATE POLICY zones_create ON zones FOR INSERT WITH CHECK ((geoprojects_role() = 'admin'::text));

CREATE POLICY zones_read ON zones FOR SELECT USING (true);

CREATE POLICY zones_remove ON zones FOR DELETE USING ((geoprojects_role() = 'admin'::text));
