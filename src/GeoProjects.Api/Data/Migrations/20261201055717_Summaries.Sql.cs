namespace GeoProjects.Api.Data.Migrations
{
    public partial class Summaries
    {
        /// <summary>
        /// Two summaries of the projects, kept current on write so that reading them costs no scan of the projects:
        /// project_summary (count and summed investment per sector, status, zone, batch, industry chain and start year: what
        /// projectStats groups by) and project_clusters (the cluster grid of every zoom up to 13, per sector and status: what a
        /// cluster tile draws). One statement trigger per operation reads the transition tables and upserts the signed
        /// differences, grouped and in key order (so concurrent writers lock shared rows in one order); rows that reach zero
        /// projects are deleted. Both tables carry the projects' read policy: the public sees the sums of published rows.
        /// </summary>
        private static class Sql
        {
            private const string Dimensions = "sector, status, zone_id, batch_id, industry_chain, start_year";

            public static string Up => $$"""
                CREATE TABLE project_summary (
                  sector varchar(32) NOT NULL, status varchar(32) NOT NULL, zone_id integer, batch_id integer,
                  industry_chain varchar(50), start_year integer,
                  count integer NOT NULL, total_investment numeric NOT NULL);
                CREATE UNIQUE INDEX ux_project_summary ON project_summary ({{Dimensions}}) NULLS NOT DISTINCT;
                CREATE INDEX ix_project_summary_empty ON project_summary (sector) WHERE count = 0;
                COMMENT ON TABLE project_summary IS '项目统计汇总 · projects counted and summed per statistics dimension, kept by triggers';

                CREATE TABLE project_clusters (
                  zoom smallint NOT NULL, cx integer NOT NULL, cy integer NOT NULL, sector varchar(32) NOT NULL, status varchar(32) NOT NULL,
                  count integer NOT NULL, total_investment numeric NOT NULL, sum_x float8 NOT NULL, sum_y float8 NOT NULL, sum_id bigint NOT NULL,
                  PRIMARY KEY (zoom, cx, cy, sector, status));
                CREATE INDEX ix_project_clusters_empty ON project_clusters (zoom) WHERE count = 0;
                COMMENT ON TABLE project_clusters IS '项目聚合金字塔 · the cluster grid (8×8 cells a tile) of zooms 0–13, kept by triggers';

                -- A cell's column (or row) at a tile zoom, from a Web Mercator point's metres east of the west edge (or south of the
                -- north edge): the tile of zoom + 3 that holds it, clamped. One expression, so PostgreSQL inlines it (a call per
                -- row and zoom cost ten times as much).
                CREATE FUNCTION geoprojects_cluster_cell(metres float8, zoom integer) RETURNS integer
                LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
                  SELECT least(greatest(floor(metres / 40075016.685578488 * 2 ^ (zoom + 3)), 0), 2 ^ (zoom + 3) - 1)::integer
                $$;

                -- The upsert of both summaries from a query of signed project rows (sign, then the projects' columns). A text, so the
                -- trigger can EXECUTE it over its transition tables (which only the trigger's own statements may name).
                CREATE FUNCTION geoprojects_summaries_upsert(source text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$
                  SELECT format($q$
                    WITH changed AS (%s),
                    points AS (
                      SELECT sign, id, sector, status, zone_id, batch_id, industry_chain, extract(year FROM start_date)::integer AS start_year,
                             total_investment, ST_X(m) AS mx, ST_Y(m) AS my
                      FROM (SELECT c.*, ST_Transform(c.location, 3857) AS m FROM changed c) c),
                    summary AS (
                      INSERT INTO project_summary AS s ({{Dimensions}}, count, total_investment)
                      SELECT {{Dimensions}}, sum(sign), sum(sign * total_investment)
                      FROM points GROUP BY {{Dimensions}} ORDER BY {{Dimensions}}
                      ON CONFLICT ({{Dimensions}}) DO UPDATE
                        SET count = s.count + excluded.count, total_investment = s.total_investment + excluded.total_investment)
                    INSERT INTO project_clusters AS c (zoom, cx, cy, sector, status, count, total_investment, sum_x, sum_y, sum_id)
                    SELECT z, geoprojects_cluster_cell(mx + 20037508.342789244, z) AS cx, geoprojects_cluster_cell(20037508.342789244 - my, z) AS cy,
                           sector, status, sum(sign), sum(sign * total_investment), sum(sign * mx), sum(sign * my), sum(sign * id::bigint)
                    FROM points CROSS JOIN generate_series(0, {{ProjectCluster.MaxZoom}}) AS z
                    GROUP BY 1, 2, 3, sector, status ORDER BY 1, 2, 3, sector, status
                    ON CONFLICT (zoom, cx, cy, sector, status) DO UPDATE
                      SET count = c.count + excluded.count, total_investment = c.total_investment + excluded.total_investment,
                          sum_x = c.sum_x + excluded.sum_x, sum_y = c.sum_y + excluded.sum_y, sum_id = c.sum_id + excluded.sum_id
                  $q$, source)
                $f$;

                CREATE FUNCTION geoprojects_summarize_projects() RETURNS trigger LANGUAGE plpgsql
                SECURITY DEFINER SET search_path = public, pg_temp AS $$
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

                CREATE TRIGGER geoprojects_summarize_inserts AFTER INSERT ON projects REFERENCING NEW TABLE AS new_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_summarize_projects();
                CREATE TRIGGER geoprojects_summarize_updates AFTER UPDATE ON projects REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_summarize_projects();
                CREATE TRIGGER geoprojects_summarize_deletes AFTER DELETE ON projects REFERENCING OLD TABLE AS old_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_summarize_projects();
                CREATE TRIGGER geoprojects_summarize_truncates AFTER TRUNCATE ON projects
                  FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_summarize_projects();

                -- What is there already.
                DO $$ BEGIN EXECUTE geoprojects_summaries_upsert('SELECT 1 AS sign, p.* FROM projects p'); END $$;

                -- Enabled, not forced: the policies hold for every reader, the owner's triggers keep the sums whole.
                ALTER TABLE project_summary ENABLE ROW LEVEL SECURITY;
                ALTER TABLE project_clusters ENABLE ROW LEVEL SECURITY;
                CREATE POLICY project_summary_read ON project_summary FOR SELECT
                  USING ((SELECT geoprojects_reads_internal()) OR status = ANY (ARRAY(SELECT status FROM access_public_statuses)));
                CREATE POLICY project_clusters_read ON project_clusters FOR SELECT
                  USING ((SELECT geoprojects_reads_internal()) OR status = ANY (ARRAY(SELECT status FROM access_public_statuses)));
                GRANT SELECT ON project_summary, project_clusters TO geoprojects_api;
                """;

            public static string Down => """
                DROP TRIGGER geoprojects_summarize_inserts ON projects;
                DROP TRIGGER geoprojects_summarize_updates ON projects;
                DROP TRIGGER geoprojects_summarize_deletes ON projects;
                DROP TRIGGER geoprojects_summarize_truncates ON projects;
                DROP FUNCTION geoprojects_summarize_projects();
                DROP FUNCTION geoprojects_summaries_upsert(text);
                DROP FUNCTION geoprojects_cluster_cell(float8, integer);
                DROP TABLE project_clusters;
                DROP TABLE project_summary;
                """;
        }
    }
}
