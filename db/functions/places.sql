-- Places: a project's zone (the smallest zone containing it, unless set), and the Chinese coordinate systems
-- (GCJ-02, BD-09) computed in SQL for tiles and GeoJSON.

CREATE OR REPLACE FUNCTION geoprojects_assign_zone() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF NEW.zone_id IS NULL THEN
    SELECT z.id INTO NEW.zone_id FROM zones z
    WHERE ST_Contains(z.boundary, NEW.location)
    ORDER BY z.area_km2, z.id LIMIT 1;
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION geoprojects_point_to_crs(p geometry, crs text) RETURNS geometry
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
DECLARE
  a CONSTANT double precision := 6378245.0;
  ee CONSTANT double precision := 0.00669342162296594323;
  x_pi CONSTANT double precision := pi() * 3000.0 / 180.0;
  lon double precision := ST_X(p);
  lat double precision := ST_Y(p);
  x double precision; y double precision; dlat double precision; dlon double precision;
  radlat double precision; magic double precision; sqrtmagic double precision; z double precision; theta double precision;
BEGIN
  IF crs = 'WGS84' THEN RETURN p; END IF;
  IF lon > 73.66 AND lon < 135.05 AND lat > 3.86 AND lat < 53.55 THEN
    x := lon - 105.0; y := lat - 35.0;
    dlat := -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt(abs(x))
      + (20.0 * sin(6.0 * x * pi()) + 20.0 * sin(2.0 * x * pi())) * 2.0 / 3.0
      + (20.0 * sin(y * pi()) + 40.0 * sin(y / 3.0 * pi())) * 2.0 / 3.0
      + (160.0 * sin(y / 12.0 * pi()) + 320 * sin(y * pi() / 30.0)) * 2.0 / 3.0;
    dlon := 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(abs(x))
      + (20.0 * sin(6.0 * x * pi()) + 20.0 * sin(2.0 * x * pi())) * 2.0 / 3.0
      + (20.0 * sin(x * pi()) + 40.0 * sin(x / 3.0 * pi())) * 2.0 / 3.0
      + (150.0 * sin(x / 12.0 * pi()) + 300.0 * sin(x / 30.0 * pi())) * 2.0 / 3.0;
    radlat := lat / 180.0 * pi();
    magic := 1 - ee * sin(radlat) * sin(radlat);
    sqrtmagic := sqrt(magic);
    dlat := dlat * 180.0 / (a * (1 - ee) / (magic * sqrtmagic) * pi());
    dlon := dlon * 180.0 / (a / sqrtmagic * cos(radlat) * pi());
    lon := lon + dlon; lat := lat + dlat;
  END IF;
  IF crs = 'BD09' THEN
    z := sqrt(lon * lon + lat * lat) + 0.00002 * sin(lat * x_pi);
    theta := atan2(lat, lon) + 0.000003 * cos(lon * x_pi);
    lon := z * cos(theta) + 0.0065; lat := z * sin(theta) + 0.006;
  END IF;
  RETURN ST_SetSRID(ST_MakePoint(lon, lat), ST_SRID(p));
END $$;

CREATE OR REPLACE FUNCTION geoprojects_to_crs(g geometry, crs text) RETURNS geometry
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
DECLARE result geometry;
BEGIN
  IF crs = 'WGS84' THEN RETURN g; END IF;
  IF crs NOT IN ('GCJ02', 'BD09') THEN RAISE EXCEPTION 'unknown crs %', crs; END IF;
  CASE GeometryType(g)
    WHEN 'POINT' THEN RETURN geoprojects_point_to_crs(g, crs);
    WHEN 'LINESTRING' THEN
      SELECT ST_MakeLine(array_agg(geoprojects_point_to_crs(d.geom, crs) ORDER BY d.path)) INTO result FROM ST_DumpPoints(g) d;
    WHEN 'POLYGON' THEN
      SELECT ST_MakePolygon(
               (array_agg(geoprojects_to_crs(ST_ExteriorRing(r.geom), crs) ORDER BY r.path) FILTER (WHERE r.path[1] = 0))[1],
               coalesce(array_agg(geoprojects_to_crs(ST_ExteriorRing(r.geom), crs) ORDER BY r.path) FILTER (WHERE r.path[1] > 0), '{}'))
        INTO result FROM ST_DumpRings(g) r;
    ELSE
      SELECT ST_Collect(geoprojects_to_crs(d.geom, crs) ORDER BY d.path) INTO result FROM ST_Dump(g) d;
      IF GeometryType(g) LIKE 'MULTI%' THEN result := ST_Multi(result); END IF;
  END CASE;
  RETURN ST_SetSRID(result, ST_SRID(g));
END $$;
