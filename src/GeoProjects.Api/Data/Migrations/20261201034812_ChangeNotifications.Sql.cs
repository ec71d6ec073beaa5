namespace GeoProjects.Api.Data.Migrations
{
    public partial class ChangeNotifications
    {
        /// <summary>
        /// Every committed change is announced on the channel `geoprojects_changes` by the statement triggers that write the
        /// revisions, so writes through any API instance, the importer or psql reach every subscriber. One notification per
        /// 100 changed rows (a NOTIFY payload holds at most 8 000 bytes): {entity, op, ids, public, projects}, where `public`
        /// lists the rows the public may see (published projects; zones and batches) and `projects` a report's project.
        /// Nothing is sent for a rolled-back transaction, or for an update that changed nothing.
        /// </summary>
        internal static class Sql
        {
            public static string Up => Function(notify: true);

            public static string Down => Function(notify: false);

            /// <summary>
            /// The revisions trigger (VersionsAndRevisions), with the announcement after its INSERT when <paramref name="notify"/>.
            /// </summary>
            internal static string Function(bool notify) => """
                CREATE OR REPLACE FUNCTION geoprojects_record_revisions() RETURNS trigger LANGUAGE plpgsql
                SECURITY DEFINER SET search_path = public, pg_temp AS $$
                DECLARE
                  geometries text[] := TG_ARGV[1:];
                  ids integer[];
                  public_flags boolean[];
                  projects integer[];
                  first integer;
                BEGIN
                  IF TG_OP = 'INSERT' THEN
                    INSERT INTO revisions (entity, entity_id, version, operation, changed_by, correlation_id, changes, record)
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
                """ + (notify ? """

                  -- Which rows: the inserted, the really changed (their version moved), the deleted.
                  IF TG_OP = 'INSERT' THEN
                    ids := ARRAY(SELECT id FROM new_rows ORDER BY id);
                  ELSIF TG_OP = 'UPDATE' THEN
                    ids := ARRAY(SELECT n.id FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE n.version <> o.version ORDER BY n.id);
                  ELSE
                    ids := ARRAY(SELECT id FROM old_rows ORDER BY id);
                  END IF;
                  IF cardinality(ids) = 0 THEN RETURN NULL; END IF;
                  -- Which of them the public may see (as the row was, for a delete), as flags in the ids' order: the subscribers'
                  -- filter for deletions. (Separate statements: a transition table this operation lacks may not even be named.)
                  IF TG_TABLE_NAME = 'projects' AND TG_OP = 'DELETE' THEN
                    public_flags := ARRAY(SELECT status = ANY (ARRAY(SELECT status FROM access_public_statuses)) FROM old_rows ORDER BY id);
                  ELSIF TG_TABLE_NAME = 'projects' THEN
                    public_flags := ARRAY(SELECT n.status = ANY (ARRAY(SELECT status FROM access_public_statuses))
                      FROM new_rows n JOIN unnest(ids) AS k(id) ON k.id = n.id ORDER BY n.id);
                  ELSIF TG_TABLE_NAME IN ('zones', 'project_batches') THEN
                    public_flags := array_fill(true, ARRAY[cardinality(ids)]);
                  ELSIF TG_TABLE_NAME = 'progress_reports' AND TG_OP = 'DELETE' THEN
                    projects := ARRAY(SELECT project_id FROM old_rows ORDER BY id);
                  ELSIF TG_TABLE_NAME = 'progress_reports' THEN
                    projects := ARRAY(SELECT n.project_id FROM new_rows n JOIN unnest(ids) AS k(id) ON k.id = n.id ORDER BY n.id);
                  END IF;
                  -- Slices of the ordered arrays, so a million-row import costs linear time (a lookup per id would be quadratic).
                  FOR i IN 0 .. (cardinality(ids) - 1) / 100 LOOP
                    first := i * 100 + 1;
                    PERFORM pg_notify('geoprojects_changes', json_build_object('entity', TG_ARGV[0], 'op', TG_OP, 'ids', ids[first : first + 99],
                      'public', ARRAY(SELECT x FROM unnest(ids[first : first + 99], public_flags[first : first + 99]) AS u(x, f) WHERE f),
                      'projects', projects[first : first + 99])::text);
                  END LOOP;
                """ : "") + """
                  RETURN NULL;
                END $$;
                """;
        }
    }
}
