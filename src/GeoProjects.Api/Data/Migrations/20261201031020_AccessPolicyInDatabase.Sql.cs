namespace GeoProjects.Api.Data.Migrations
{
    public partial class AccessPolicyInDatabase
    {
        /// <summary>
        /// The configurable parts of the access policy, in the database that enforces it: the statuses the public reads
        /// (projects_read) and the least role that may write a field (a trigger on each editable table). `migrate` writes both
        /// from the API's configuration (Security/AccessPolicy.cs); the API's login may read them, never change them.
        /// </summary>
        private static class Sql
        {
            private static readonly string[] Tables = ["projects", "zones", "project_batches"];

            public static string Up => """
                CREATE TABLE access_public_statuses (status text PRIMARY KEY);
                INSERT INTO access_public_statuses VALUES ('Signed'), ('Started'), ('UnderConstruction'), ('Completed'), ('InOperation');
                CREATE TABLE access_field_writes (
                  table_name text NOT NULL, column_name text NOT NULL,
                  least_role text NOT NULL CHECK (least_role IN ('anonymous', 'viewer', 'editor', 'admin')),
                  PRIMARY KEY (table_name, column_name));
                INSERT INTO access_field_writes VALUES ('projects', 'batch_id', 'admin');
                GRANT SELECT ON access_public_statuses, access_field_writes TO geoprojects_api;

                -- The list is read once per statement (an InitPlan), not per row.
                DROP POLICY projects_read ON projects;
                CREATE POLICY projects_read ON projects FOR SELECT
                  USING (geoprojects_reads_internal() OR status = ANY (ARRAY(SELECT status FROM access_public_statuses)));

                CREATE FUNCTION geoprojects_role_rank(role text) RETURNS integer LANGUAGE sql IMMUTABLE AS
                  $$ SELECT array_position(ARRAY['anonymous', 'viewer', 'editor', 'admin'], role) $$;
                -- A field below the caller's role may not be given a value (insert) or changed (update): 42501, as a policy refuses.
                CREATE FUNCTION geoprojects_guard_field_writes() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                  w record;
                  new_row jsonb;
                  old_row jsonb;
                BEGIN
                  IF geoprojects_role() = 'admin' THEN RETURN NEW; END IF;
                  FOR w IN SELECT column_name FROM access_field_writes
                    WHERE table_name = TG_TABLE_NAME AND geoprojects_role_rank(least_role) > geoprojects_role_rank(geoprojects_role()) LOOP
                    new_row := coalesce(new_row, to_jsonb(NEW));
                    old_row := CASE TG_OP WHEN 'UPDATE' THEN coalesce(old_row, to_jsonb(OLD)) ELSE jsonb_build_object(w.column_name, null) END;
                    IF new_row -> w.column_name IS DISTINCT FROM old_row -> w.column_name THEN
                      RAISE EXCEPTION 'the current user may not write %.%', TG_TABLE_NAME, w.column_name USING ERRCODE = '42501';
                    END IF;
                  END LOOP;
                  RETURN NEW;
                END $$;
                """ + string.Concat(Tables.Select(t => $"""

                CREATE TRIGGER {t}_guard_field_writes BEFORE INSERT OR UPDATE ON {t}
                  FOR EACH ROW EXECUTE FUNCTION geoprojects_guard_field_writes();
                """));

            public static string Down => string.Concat(Tables.Select(t => $"DROP TRIGGER IF EXISTS {t}_guard_field_writes ON {t};\n")) + """
                DROP FUNCTION IF EXISTS geoprojects_guard_field_writes();
                DROP FUNCTION IF EXISTS geoprojects_role_rank(text);
                DROP POLICY projects_read ON projects;
                CREATE POLICY projects_read ON projects FOR SELECT USING (geoprojects_reads_internal()
                  OR status IN ('Signed', 'Started', 'UnderConstruction', 'Completed', 'InOperation'));
                DROP TABLE access_field_writes;
                DROP TABLE access_public_statuses;
                """;
        }
    }
}
