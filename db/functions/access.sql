-- Who may read and change what, as row-level security and the field-write guard ask it. The caller's role, zones
-- and name arrive per transaction in app.role, app.zones and app.user (Security/CallerSettings.cs); no setting means
-- anonymous. The configured policy's data lives in access_public_statuses and access_field_writes (written by migrate).
-- They only read settings (which parallel workers share with their leader) and tables, so they are PARALLEL SAFE: a
-- function left unsafe anywhere in a query, the read policies' included, keeps PostgreSQL from scanning in parallel,
-- and a GROUP BY over every project then ran on one core under the policies and on two as the tables' owner.

CREATE OR REPLACE FUNCTION geoprojects_role() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
  SELECT CASE current_setting('app.role', true) WHEN 'viewer' THEN 'viewer' WHEN 'editor' THEN 'editor'
    WHEN 'admin' THEN 'admin' ELSE 'anonymous' END $$;

CREATE OR REPLACE FUNCTION geoprojects_reads_internal() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT geoprojects_role() <> 'anonymous' $$;

CREATE OR REPLACE FUNCTION geoprojects_role_rank(role text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT array_position(ARRAY['anonymous', 'viewer', 'editor', 'admin'], role) $$;

CREATE OR REPLACE FUNCTION geoprojects_may_edit_zone(zone integer) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
  SELECT geoprojects_role() = 'admin' OR (geoprojects_role() = 'editor' AND EXISTS (
    WITH RECURSIVE up(id, parent_id, code, depth) AS (
      SELECT id, parent_id, code, 1 FROM zones WHERE id = zone
      UNION ALL SELECT z.id, z.parent_id, z.code, up.depth + 1 FROM zones z JOIN up ON z.id = up.parent_id WHERE up.depth < 16)
    SELECT 1 FROM up WHERE code = ANY (string_to_array(current_setting('app.zones', true), ','))))
$$;

CREATE OR REPLACE FUNCTION geoprojects_may_edit_project(project integer) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
  SELECT geoprojects_role() = 'admin'
    OR EXISTS (SELECT 1 FROM projects p WHERE p.id = project AND geoprojects_may_edit_zone(p.zone_id))
$$;

CREATE OR REPLACE FUNCTION geoprojects_guard_field_writes() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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
