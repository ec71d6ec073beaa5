namespace GeoProjects.Api.Data.Migrations
{
    public partial class VersionsAndRevisions
    {
        /// <summary>
        /// Versions and revisions kept by PostgreSQL, so every path (the API, the importer, psql) counts: a row trigger
        /// bumps `version` when a row really changes, statement triggers with transition tables write one revision per
        /// changed row in the same transaction (set-based, so a COPY of a million rows stays one INSERT … SELECT), and
        /// revisions cannot be altered or removed.
        /// </summary>
        private static class Sql
        {
            private static readonly string[] Tables = ["projects:Project:location,site", "zones:Zone:boundary", "project_batches:ProjectBatch:"];

            public static string Up => """
                -- Who and why: set per transaction by the API (set_config('app.actor', …, true)) and by commands (--actor).
                CREATE FUNCTION geoprojects_actor() RETURNS text LANGUAGE sql STABLE AS
                  $$ SELECT coalesce(nullif(current_setting('app.actor', true), ''), session_user::text) $$;
                CREATE FUNCTION geoprojects_correlation_id() RETURNS text LANGUAGE sql STABLE AS
                  $$ SELECT nullif(current_setting('app.correlation_id', true), '') $$;

                -- The fields whose values differ, as [{field, old, new}]; the version and timestamps are not changes.
                CREATE FUNCTION geoprojects_changes(o jsonb, n jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
                  SELECT coalesce(jsonb_agg(jsonb_build_object('field', k, 'old', o -> k, 'new', n -> k) ORDER BY k), '[]'::jsonb)
                  FROM jsonb_object_keys(coalesce(n, o)) k
                  WHERE k NOT IN ('id', 'version', 'updated_at', 'created_at')
                    AND coalesce(o -> k, 'null'::jsonb) IS DISTINCT FROM coalesce(n -> k, 'null'::jsonb)
                $$;

                -- A row is stored as jsonb with its geometries as GeoJSON (PostGIS's json cast), without the legacy crs member.
                CREATE FUNCTION geoprojects_row(r jsonb, geometries text[]) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
                  SELECT r || coalesce(jsonb_object_agg(g, (r -> g) - 'crs') FILTER (WHERE jsonb_typeof(r -> g) = 'object'), '{}'::jsonb)
                  FROM unnest(geometries) g
                $$;

                CREATE FUNCTION geoprojects_next_version() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  NEW.version := CASE WHEN geoprojects_changes(to_jsonb(OLD), to_jsonb(NEW)) = '[]'::jsonb THEN OLD.version ELSE OLD.version + 1 END;
                  RETURN NEW;
                END $$;

                -- TG_ARGV: the entity's GraphQL name, then its geometry columns.
                CREATE FUNCTION geoprojects_record_revisions() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE geometries text[] := TG_ARGV[1:];
                BEGIN
                  IF TG_OP = 'INSERT' THEN
                    INSERT INTO revisions (entity, entity_id, version, operation, changed_by, correlation_id, changes, record)
                    -- An insert's changes are its whole record (and a delete's too): kept once, in `record`, which the API reads them from.
                    SELECT TG_ARGV[0], (r ->> 'id')::int, (r ->> 'version')::int, TG_OP, geoprojects_actor(), geoprojects_correlation_id(), '[]'::jsonb, r
                    FROM (SELECT geoprojects_row(to_jsonb(n), geometries) AS r FROM new_rows n) x;
                  ELSIF TG_OP = 'UPDATE' THEN
                    INSERT INTO revisions (entity, entity_id, version, operation, changed_by, correlation_id, changes, record)
                    SELECT TG_ARGV[0], (r ->> 'id')::int, (r ->> 'version')::int, TG_OP, geoprojects_actor(), geoprojects_correlation_id(), c, r
                    FROM (SELECT geoprojects_row(to_jsonb(n), geometries) AS r, geoprojects_changes(geoprojects_row(to_jsonb(o), geometries),
                                 geoprojects_row(to_jsonb(n), geometries)) AS c
                          FROM old_rows o JOIN new_rows n ON n.id = o.id) x
                    WHERE c <> '[]'::jsonb;
                  ELSE
                    INSERT INTO revisions (entity, entity_id, version, operation, changed_by, correlation_id, changes, record)
                    SELECT TG_ARGV[0], (r ->> 'id')::int, (r ->> 'version')::int, TG_OP, geoprojects_actor(), geoprojects_correlation_id(), '[]'::jsonb, r
                    FROM (SELECT geoprojects_row(to_jsonb(o), geometries) AS r FROM old_rows o) x;
                  END IF;
                  RETURN NULL;
                END $$;

                CREATE FUNCTION geoprojects_revisions_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  RAISE EXCEPTION 'revisions are append-only' USING ERRCODE = 'insufficient_privilege';
                END $$;
                CREATE TRIGGER revisions_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON revisions
                  FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_revisions_are_append_only();

                """ + string.Concat(Tables.Select(Triggers)) + """

                -- What exists now is the first revision of each row (INSERT by the migration).
                """ + string.Concat(Tables.Select(Baseline));

            private static string Triggers(string spec)
            {
                var (table, entity, geometries) = Split(spec);
                var args = string.Join(", ", new[] { entity }.Concat(geometries).Select(a => $"'{a}'"));
                return $"""
                    CREATE TRIGGER {table}_next_version BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION geoprojects_next_version();
                    CREATE TRIGGER {table}_revisions_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows
                      FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_record_revisions({args});
                    CREATE TRIGGER {table}_revisions_update AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                      FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_record_revisions({args});
                    CREATE TRIGGER {table}_revisions_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows
                      FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_record_revisions({args});

                    """;
            }

            private static string Baseline(string spec)
            {
                var (table, entity, geometries) = Split(spec);
                var array = geometries.Length == 0 ? "'{}'::text[]" : $"ARRAY[{string.Join(", ", geometries.Select(g => $"'{g}'"))}]";
                return $"""
                    INSERT INTO revisions (entity, entity_id, version, operation, changed_by, changes, record)
                    SELECT '{entity}', id, version, 'INSERT', 'migration', '[]'::jsonb, r
                    FROM (SELECT id, version, geoprojects_row(to_jsonb(t), {array}) AS r FROM {table} t) x;

                    """;
            }

            private static (string Table, string Entity, string[] Geometries) Split(string spec)
            {
                var parts = spec.Split(':');
                return (parts[0], parts[1], parts[2].Split(',', StringSplitOptions.RemoveEmptyEntries));
            }

            public static string Down => string.Concat(Tables.Select(spec =>
            {
                var table = Split(spec).Table;
                return $"""
                    DROP TRIGGER IF EXISTS {table}_next_version ON {table};
                    DROP TRIGGER IF EXISTS {table}_revisions_insert ON {table};
                    DROP TRIGGER IF EXISTS {table}_revisions_update ON {table};
                    DROP TRIGGER IF EXISTS {table}_revisions_delete ON {table};

                    """;
            })) + """
                DROP TRIGGER IF EXISTS revisions_append_only ON revisions;
                DROP FUNCTION IF EXISTS geoprojects_revisions_are_append_only();
                DROP FUNCTION IF EXISTS geoprojects_record_revisions();
                DROP FUNCTION IF EXISTS geoprojects_next_version();
                DROP FUNCTION IF EXISTS geoprojects_row(jsonb, text[]);
                DROP FUNCTION IF EXISTS geoprojects_changes(jsonb, jsonb);
                DROP FUNCTION IF EXISTS geoprojects_correlation_id();
                DROP FUNCTION IF EXISTS geoprojects_actor();
                """;
        }
    }
}
