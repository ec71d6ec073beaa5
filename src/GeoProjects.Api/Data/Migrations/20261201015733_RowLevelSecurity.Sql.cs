namespace GeoProjects.Api.Data.Migrations
{
    public partial class RowLevelSecurity
    {
        /// <summary>
        /// Who may see and change what, enforced by PostgreSQL for every path: the API logs in as geoprojects_api (no
        /// ownership, no BYPASSRLS) and names the caller per transaction (set_config('app.role' | 'app.zones' | 'app.user', $1,
        /// true)); the policies read those settings. An unknown or missing role is anonymous: published projects only.
        /// </summary>
        private static class Sql
        {
            /// <summary>The statuses whose projects are published (签约 and later); 储备 (the reserve list) is internal.</summary>
            private const string Published = "'Signed', 'Started', 'UnderConstruction', 'Completed', 'InOperation'";
            private static readonly string[] ProjectChildren = ["progress_reports", "annual_plans"];
            private static readonly string[] AdminTables = ["zones", "project_batches"];

            public static string Up => """
                DO $$ BEGIN
                  CREATE ROLE geoprojects_api LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
                EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; -- another database of the cluster made it
                END $$;
                GRANT USAGE ON SCHEMA public TO geoprojects_api;
                GRANT SELECT ON projects, zones, project_batches, annual_plans, progress_reports, revisions, data_version,
                  "__EFMigrationsHistory" TO geoprojects_api;
                GRANT INSERT, UPDATE, DELETE ON projects, zones, project_batches, annual_plans, progress_reports TO geoprojects_api;
                GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO geoprojects_api;

                CREATE FUNCTION geoprojects_role() RETURNS text LANGUAGE sql STABLE AS $$
                  SELECT CASE current_setting('app.role', true) WHEN 'viewer' THEN 'viewer' WHEN 'editor' THEN 'editor'
                    WHEN 'admin' THEN 'admin' ELSE 'anonymous' END $$;
                -- Viewers, editors and admins read everything; anonymous callers read published projects only.
                CREATE FUNCTION geoprojects_reads_internal() RETURNS boolean LANGUAGE sql STABLE AS
                  $$ SELECT geoprojects_role() <> 'anonymous' $$;
                -- An admin edits anywhere; an editor in the zones of app.zones and the zones inside them.
                CREATE FUNCTION geoprojects_may_edit_zone(zone integer) RETURNS boolean LANGUAGE sql STABLE AS $$
                  SELECT geoprojects_role() = 'admin' OR (geoprojects_role() = 'editor' AND EXISTS (
                    WITH RECURSIVE up(id, parent_id, code, depth) AS (
                      SELECT id, parent_id, code, 1 FROM zones WHERE id = zone
                      UNION ALL SELECT z.id, z.parent_id, z.code, up.depth + 1 FROM zones z JOIN up ON z.id = up.parent_id WHERE up.depth < 16)
                    SELECT 1 FROM up WHERE code = ANY (string_to_array(current_setting('app.zones', true), ','))))
                $$;
                CREATE FUNCTION geoprojects_may_edit_project(project integer) RETURNS boolean LANGUAGE sql STABLE AS $$
                  SELECT geoprojects_role() = 'admin'
                    OR EXISTS (SELECT 1 FROM projects p WHERE p.id = project AND geoprojects_may_edit_zone(p.zone_id))
                $$;

                ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
                ALTER TABLE projects FORCE ROW LEVEL SECURITY;
                """ + $"""
                CREATE POLICY projects_read ON projects FOR SELECT USING (geoprojects_reads_internal() OR status IN ({Published}));
                """ + """
                CREATE POLICY projects_create ON projects FOR INSERT WITH CHECK (geoprojects_may_edit_zone(zone_id));
                -- USING: which rows an editor may change; WITH CHECK: where they may end up (not outside its zones).
                CREATE POLICY projects_change ON projects FOR UPDATE USING (geoprojects_may_edit_zone(zone_id))
                  WITH CHECK (geoprojects_may_edit_zone(zone_id));
                CREATE POLICY projects_remove ON projects FOR DELETE USING (geoprojects_role() = 'admin');

                """ + string.Concat(ProjectChildren.Select(t => $"""
                ALTER TABLE {t} ENABLE ROW LEVEL SECURITY;
                ALTER TABLE {t} FORCE ROW LEVEL SECURITY;
                CREATE POLICY {t}_read ON {t} FOR SELECT USING (geoprojects_reads_internal());
                CREATE POLICY {t}_create ON {t} FOR INSERT WITH CHECK (geoprojects_may_edit_project(project_id));
                CREATE POLICY {t}_change ON {t} FOR UPDATE USING (geoprojects_may_edit_project(project_id))
                  WITH CHECK (geoprojects_may_edit_project(project_id));
                CREATE POLICY {t}_remove ON {t} FOR DELETE USING (geoprojects_may_edit_project(project_id));

                """)) + string.Concat(AdminTables.Select(t => $"""
                ALTER TABLE {t} ENABLE ROW LEVEL SECURITY;
                ALTER TABLE {t} FORCE ROW LEVEL SECURITY;
                CREATE POLICY {t}_read ON {t} FOR SELECT USING (true);
                CREATE POLICY {t}_create ON {t} FOR INSERT WITH CHECK (geoprojects_role() = 'admin');
                CREATE POLICY {t}_change ON {t} FOR UPDATE USING (geoprojects_role() = 'admin') WITH CHECK (geoprojects_role() = 'admin');
                CREATE POLICY {t}_remove ON {t} FOR DELETE USING (geoprojects_role() = 'admin');

                """)) + """
                -- History is internal. Only the triggers write it: their functions run as the owner (SECURITY DEFINER), and the API
                -- role has no INSERT on revisions, so no caller can forge or rewrite a revision.
                ALTER TABLE revisions ENABLE ROW LEVEL SECURITY;
                ALTER TABLE revisions FORCE ROW LEVEL SECURITY;
                CREATE POLICY revisions_read ON revisions FOR SELECT USING (geoprojects_reads_internal());
                CREATE POLICY revisions_record ON revisions FOR INSERT WITH CHECK (true);
                ALTER FUNCTION geoprojects_record_revisions() SECURITY DEFINER SET search_path = public, pg_temp;
                ALTER FUNCTION geoprojects_bump_data_version() SECURITY DEFINER SET search_path = public, pg_temp;

                -- Under row-level security PostgreSQL uses a filter as an index condition (ahead of the policy) only when its function
                -- is LEAKPROOF; PostGIS marks none, so every spatial filter and tile would scan the table. These can fail only on
                -- invalid geometry, which the API refuses in filters and CHECK constraints refuse in stored rows (locations, sites,
                -- zones), and numeric comparison cannot fail: nothing about a hidden row can come out of them. Only a superuser may
                -- mark them; elsewhere the policies still hold, without those indexes (README: row-level security).
                DO $$ DECLARE f text; BEGIN
                  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
                    FOREACH f IN ARRAY ARRAY['geometry_overlaps(geometry,geometry)', 'geography_overlaps(geography,geography)',
                      'geometry_within(geometry,geometry)', 'geometry_contains(geometry,geometry)',
                      'st_intersects(geometry,geometry)', 'st_within(geometry,geometry)', 'st_contains(geometry,geometry)',
                      'st_covers(geometry,geometry)', 'st_coveredby(geometry,geometry)', 'st_dwithin(geometry,geometry,double precision)',
                      'st_intersects(geography,geography)', 'st_covers(geography,geography)', 'st_coveredby(geography,geography)',
                      'st_dwithin(geography,geography,double precision,boolean)', 'geography(geometry)',
                      'numeric_eq(numeric,numeric)', 'numeric_ne(numeric,numeric)', 'numeric_lt(numeric,numeric)',
                      'numeric_le(numeric,numeric)', 'numeric_gt(numeric,numeric)', 'numeric_ge(numeric,numeric)'] LOOP
                      EXECUTE format('ALTER FUNCTION %s LEAKPROOF', f);
                    END LOOP;
                  ELSE
                    RAISE WARNING 'not a superuser: spatial and numeric filters under row-level security cannot use their indexes';
                  END IF;
                END $$;

                -- Revisions name the authenticated user (app.user), as the API sets it for every transaction.
                CREATE OR REPLACE FUNCTION geoprojects_actor() RETURNS text LANGUAGE sql STABLE AS
                  $$ SELECT coalesce(nullif(current_setting('app.user', true), ''), session_user::text) $$;
                """;

            public static string Down => string.Concat(new[] { "projects" }.Concat(ProjectChildren).Concat(AdminTables).Select(t => $"""
                DROP POLICY IF EXISTS {t}_read ON {t};
                DROP POLICY IF EXISTS {t}_create ON {t};
                DROP POLICY IF EXISTS {t}_change ON {t};
                DROP POLICY IF EXISTS {t}_remove ON {t};
                ALTER TABLE {t} NO FORCE ROW LEVEL SECURITY;
                ALTER TABLE {t} DISABLE ROW LEVEL SECURITY;

                """)) + """
                DROP POLICY IF EXISTS revisions_read ON revisions;
                DROP POLICY IF EXISTS revisions_record ON revisions;
                ALTER TABLE revisions NO FORCE ROW LEVEL SECURITY;
                ALTER TABLE revisions DISABLE ROW LEVEL SECURITY;
                ALTER FUNCTION geoprojects_record_revisions() SECURITY INVOKER RESET search_path;
                ALTER FUNCTION geoprojects_bump_data_version() SECURITY INVOKER RESET search_path;
                CREATE OR REPLACE FUNCTION geoprojects_actor() RETURNS text LANGUAGE sql STABLE AS
                  $$ SELECT coalesce(nullif(current_setting('app.actor', true), ''), session_user::text) $$;
                DROP FUNCTION IF EXISTS geoprojects_may_edit_project(integer);
                DROP FUNCTION IF EXISTS geoprojects_may_edit_zone(integer);
                DROP FUNCTION IF EXISTS geoprojects_reads_internal();
                DROP FUNCTION IF EXISTS geoprojects_role();
                REVOKE ALL ON ALL TABLES IN SCHEMA public FROM geoprojects_api;
                REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM geoprojects_api;
                REVOKE USAGE ON SCHEMA public FROM geoprojects_api;
                """;
        }
    }
}
