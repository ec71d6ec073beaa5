namespace GeoProjects.Api.Data.Migrations
{
    public partial class RevisionsInCommitOrder
    {
        /// <summary>
        /// Revision ids in commit order, so a live client's cursor (the last revision id it saw) can resume: a transaction takes
        /// one lock before its first revision and holds it to its end, so the next writer's ids are drawn after this one
        /// committed. Without it, a slower transaction could commit id 9 after id 10 was read, and a reader past 10 would miss
        /// it. The price: the moment from a transaction's first revision to its commit is one writer at a time (writes of
        /// different projects wait for each other's commit, not for each other's work); an open psql transaction that wrote
        /// holds the others' writes until it ends. Measured (bench/results/revision-lock-2026-12-07.md): within noise at 8
        /// concurrent writers, up to a tenth of throughput at 16, on a durable cluster.
        /// </summary>
        private static class Sql
        {
            public const string Up = """
                -- The lock's key: 'geoprojects revisions' hashed once (any constant works; this one names itself).
                CREATE FUNCTION geoprojects_revisions_in_commit_order() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  PERFORM pg_advisory_xact_lock(7146286930154328146);
                  RETURN NULL;
                END $$;
                CREATE TRIGGER revisions_in_commit_order BEFORE INSERT ON revisions
                  FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_revisions_in_commit_order();
                """;

            public const string Down = """
                DROP TRIGGER IF EXISTS revisions_in_commit_order ON revisions;
                DROP FUNCTION IF EXISTS geoprojects_revisions_in_commit_order();
                """;
        }
    }
}
