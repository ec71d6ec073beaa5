namespace GeoProjects.Api.Projects;

/// <summary>The registry's figures as plans and reports.</summary>
public static class ProgressFigures
{
    /// <summary>
    /// The annual plan and completed investment a project row holds become its 2023 plan and its December 2023 report
    /// (the figures were published for the 2023 batches). Run by the migration and after the seed loads; idempotent.
    /// </summary>
    public static string CarryOver2023(string actor) => $"""
        SELECT set_config('app.actor', '{actor.Replace("'", "''")}', true);
        INSERT INTO annual_plans (project_id, year, planned_investment, data_source)
        SELECT id, 2023, annual_planned_investment, data_source FROM projects WHERE annual_planned_investment IS NOT NULL
        ON CONFLICT (project_id, year) DO NOTHING;
        INSERT INTO progress_reports (project_id, period, completed_investment_ytd, status, note, correction, reported_by, data_source)
        SELECT id, DATE '2023-12-01', completed_investment, status, 'carried over from the registry''s 2023 figures', false,
               '{actor.Replace("'", "''")}', data_source
        FROM projects WHERE completed_investment IS NOT NULL
        ON CONFLICT (project_id, period) DO NOTHING;
        """;
}
