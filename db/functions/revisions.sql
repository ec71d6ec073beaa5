-- Versions and revisions, kept by PostgreSQL so every writer counts (the API, the importer, psql): a row's version
-- moves only when a value changes, every change is a revision (append-only), revision ids follow commit order (the
-- live cursors), and every commit that writes revisions wakes the change feeds (NOTIFY geoprojects_changes).

-- Who and why: set per transaction by the API (set_config('app.actor', …, true)) and by commands (--actor).
CREATE OR REPLACE FUNCTION geoprojects_actor() RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT coalesce(nullif(current_setting('app.user', true), ''), session_user::text) $$;

CREATE OR REPLACE FUNCTION geoprojects_correlation_id() RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('app.correlation_id', true), '') $$;

-- The fields whose values differ, as [{field, old, new}]; the version and timestamps are not changes.
CREATE OR REPLACE FUNCTION geoprojects_changes(o jsonb, n jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    AS $$
  SELECT coalesce(jsonb_agg(jsonb_build_object('field', k, 'old', o -> k, 'new', n -> k) ORDER BY k), '[]'::jsonb)
  FROM jsonb_object_keys(coalesce(n, o)) k
  WHERE k NOT IN ('id', 'version', 'updated_at', 'created_at')
    AND coalesce(o -> k, 'null'::jsonb) IS DISTINCT FROM coalesce(n -> k, 'null'::jsonb)
$$;

-- A row as jsonb with its geometries as GeoJSON (PostGIS's json cast), without the legacy crs member.
CREATE OR REPLACE FUNCTION geoprojects_row(r jsonb, geometries text[]) RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    AS $$
  SELECT r || coalesce(jsonb_object_agg(g, (r -> g) - 'crs') FILTER (WHERE jsonb_typeof(r -> g) = 'object'), '{}'::jsonb)
  FROM unnest(geometries) g
$$;

-- A row's version moves only when a value changes.
CREATE OR REPLACE FUNCTION geoprojects_next_version() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  NEW.version := CASE WHEN geoprojects_changes(to_jsonb(OLD), to_jsonb(NEW)) = '[]'::jsonb THEN OLD.version ELSE OLD.version + 1 END;
  RETURN NEW;
END $$;

-- updated_at moves with the version: an update that changes nothing changes nothing (BEFORE ROW triggers run in name
-- order, so projects_next_version has settled the version when projects_touch_updated_at runs).
CREATE OR REPLACE FUNCTION geoprojects_touch_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  NEW.updated_at := CASE WHEN NEW.version = OLD.version THEN OLD.updated_at ELSE now() END;
  RETURN NEW;
END $$;

-- One statement's revisions, each row's JSON built once (OFFSET 0 keeps the subquery from being inlined three times);
-- then one NOTIFY per 100 changed rows wakes the change feeds, which read the revisions themselves (Live/ChangeLog.cs).
CREATE OR REPLACE FUNCTION geoprojects_record_revisions() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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
    FROM (SELECT geoprojects_row(to_jsonb(n), geometries) AS r FROM new_rows n OFFSET 0) x;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO revisions (entity, entity_id, version, operation, changed_by, correlation_id, changes, record)
    SELECT TG_ARGV[0], (r ->> 'id')::int, (r ->> 'version')::int, TG_OP, geoprojects_actor(), geoprojects_correlation_id(), c, r
    FROM (SELECT r, geoprojects_changes(before, r) AS c
          FROM (SELECT geoprojects_row(to_jsonb(o), geometries) AS before, geoprojects_row(to_jsonb(n), geometries) AS r
                FROM old_rows o JOIN new_rows n ON n.id = o.id OFFSET 0) y OFFSET 0) x
    WHERE c <> '[]'::jsonb;
  ELSE
    INSERT INTO revisions (entity, entity_id, version, operation, changed_by, correlation_id, changes, record)
    SELECT TG_ARGV[0], (r ->> 'id')::int, (r ->> 'version')::int, TG_OP, geoprojects_actor(), geoprojects_correlation_id(), '[]'::jsonb, r
    FROM (SELECT geoprojects_row(to_jsonb(o), geometries) AS r FROM old_rows o OFFSET 0) x;
  END IF;
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
  END LOOP;  RETURN NULL;
END $$;

-- Revisions cannot be altered or removed.
CREATE OR REPLACE FUNCTION geoprojects_revisions_are_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  RAISE EXCEPTION 'revisions are append-only' USING ERRCODE = 'insufficient_privilege';
END $$;

-- Revision ids in commit order, so a live client's cursor (the last revision id it saw) can resume: a transaction takes
-- this lock before its first revision and holds it to its commit, so the next writer's ids are drawn after it committed.
-- Price (bench/results/revision-lock-2026-12-07.md): within noise at 8 concurrent writers, up to a tenth at 16; an open
-- psql transaction that wrote holds the others' writes until it ends.
CREATE OR REPLACE FUNCTION geoprojects_revisions_in_commit_order() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7146286930154328146);
  RETURN NULL;
END $$;

-- The data version (one row) moves with every committed write: ETags and the tile cache key on it.
CREATE OR REPLACE FUNCTION geoprojects_bump_data_version() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
  UPDATE data_version SET version = version + 1, changed_at = now();
  RETURN NULL;
END $$;
