-- Runs at every migrate: a restore (pg_restore) does not carry these marks.
-- Under row-level security PostgreSQL uses a filter as an index condition (ahead of the policy) only when its function is
-- LEAKPROOF; PostGIS marks none, so every spatial filter and tile would scan the table. These can fail only on invalid
-- geometry, which the API refuses in filters and CHECK constraints refuse in stored rows (locations, sites, zones), and
-- numeric comparison cannot fail: nothing about a hidden row can come out of them. Only a superuser may mark them;
-- elsewhere the policies still hold, without those indexes (README: row-level security). pg_dump keeps no trace of this
-- (the functions belong to PostGIS and PostgreSQL), which is one more reason it lives here.
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
