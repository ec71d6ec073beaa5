namespace GeoProjects.Api.Data.Migrations
{
    public partial class UnchangedRowsKeepTheirTime
    {
        /// <summary>
        /// An update that changes nothing changes nothing: a project's updated_at moves only with its version. (An import of
        /// an unchanged export, or a PUT of what a GET gave, rewrote every row's time while writing no revision.) BEFORE ROW
        /// triggers run in name order, so projects_next_version has settled the version when this one runs.
        /// </summary>
        private static class Sql
        {
            public const string Up = """
                CREATE OR REPLACE FUNCTION geoprojects_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  NEW.updated_at := CASE WHEN NEW.version = OLD.version THEN OLD.updated_at ELSE now() END;
                  RETURN NEW;
                END $$;
                """;

            public const string Down = """
                CREATE OR REPLACE FUNCTION geoprojects_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  NEW.updated_at := now();
                  RETURN NEW;
                END $$;
                """;
        }
    }
}
