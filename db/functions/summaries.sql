-- The summaries the statistics and cluster tiles read (project_summary, project_clusters), kept current by statement
-- triggers on projects, and the latest progress figures per project.

CREATE OR REPLACE FUNCTION geoprojects_latest_figures() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  -- Set-based: one UPDATE per statement, so a sheet of 3 000 reports touches each project once.
  UPDATE projects p SET
    annual_planned_investment = coalesce(
      (SELECT a.planned_investment FROM annual_plans a WHERE a.project_id = p.id ORDER BY a.year DESC LIMIT 1),
      CASE WHEN TG_TABLE_NAME = 'annual_plans' THEN NULL ELSE p.annual_planned_investment END),
    completed_investment = coalesce(
      (SELECT r.completed_investment_ytd FROM progress_reports r WHERE r.project_id = p.id ORDER BY r.period DESC LIMIT 1),
      CASE WHEN TG_TABLE_NAME = 'progress_reports' THEN NULL ELSE p.completed_investment END),
    status = CASE WHEN TG_TABLE_NAME = 'progress_reports' THEN coalesce(
      (SELECT r.status FROM progress_reports r WHERE r.project_id = p.id ORDER BY r.period DESC LIMIT 1), p.status) ELSE p.status END
  WHERE p.id IN (SELECT DISTINCT project_id FROM changed_rows);
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION geoprojects_summaries_upsert(source text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $_$
  SELECT format($q$
    WITH changed AS (%s),
    points AS (
      SELECT sign, id, sector, status, zone_id, batch_id, industry_chain, extract(year FROM start_date)::integer AS start_year,
             total_investment, ST_X(m) AS mx, ST_Y(m) AS my
      FROM (SELECT c.*, ST_Transform(c.location, 3857) AS m FROM changed c) c),
    summary AS (
      INSERT INTO project_summary AS s (sector, status, zone_id, batch_id, industry_chain, start_year, count, total_investment)
      SELECT sector, status, zone_id, batch_id, industry_chain, start_year, sum(sign), sum(sign * total_investment)
      FROM points GROUP BY sector, status, zone_id, batch_id, industry_chain, start_year ORDER BY sector, status, zone_id, batch_id, industry_chain, start_year
      ON CONFLICT (sector, status, zone_id, batch_id, industry_chain, start_year) DO UPDATE
        SET count = s.count + excluded.count, total_investment = s.total_investment + excluded.total_investment)
    INSERT INTO project_clusters AS c (zoom, cx, cy, sector, status, count, total_investment, sum_x, sum_y, sum_id)
    SELECT z, geoprojects_cluster_cell(mx + 20037508.342789244, z) AS cx, geoprojects_cluster_cell(20037508.342789244 - my, z) AS cy,
           sector, status, sum(sign), sum(sign * total_investment), sum(sign * mx), sum(sign * my), sum(sign * id::bigint)
    FROM points CROSS JOIN generate_series(0, 13) AS z
    GROUP BY 1, 2, 3, sector, status ORDER BY 1, 2, 3, sector, status
    ON CONFLICT (zoom, cx, cy, sector, status) DO UPDATE
      SET count = c.count + excluded.count, total_investment = c.total_investment + excluded.total_investment,
          sum_x = c.sum_x + excluded.sum_x, sum_y = c.sum_y + excluded.sum_y, sum_id = c.sum_id + excluded.sum_id
  $q$, source)
$_$;

CREATE OR REPLACE FUNCTION geoprojects_summarize_projects() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
  -- An update moves a project between summaries only when one of these changed (progress figures do not).
  moved text := '(o.sector, o.status, o.zone_id, o.batch_id, o.industry_chain, o.start_date, o.total_investment, o.location)'
    || ' IS DISTINCT FROM (n.sector, n.status, n.zone_id, n.batch_id, n.industry_chain, n.start_date, n.total_investment, n.location)';
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    TRUNCATE project_summary, project_clusters;
    RETURN NULL;
  END IF;
  EXECUTE geoprojects_summaries_upsert(CASE TG_OP
    WHEN 'INSERT' THEN 'SELECT 1 AS sign, n.* FROM new_rows n'
    WHEN 'DELETE' THEN 'SELECT -1 AS sign, o.* FROM old_rows o'
    ELSE 'SELECT -1 AS sign, o.* FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE ' || moved
      || ' UNION ALL SELECT 1, n.* FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE ' || moved END);
  IF TG_OP <> 'INSERT' THEN
    DELETE FROM project_summary WHERE count = 0;
    DELETE FROM project_clusters WHERE count = 0;
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION geoprojects_cluster_cell(metres double precision, zoom integer) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  SELECT least(greatest(floor(metres / 40075016.685578488 * 2 ^ (zoom + 3)), 0), 2 ^ (zoom + 3) - 1)::integer
$$;
