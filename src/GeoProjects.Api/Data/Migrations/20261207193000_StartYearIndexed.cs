using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GeoProjects.Api.Data.Migrations
{
    /// <summary>
    /// The order by start year (`startYear`, a value computed from the start date) on an index of the very expression EF Core
    /// writes for it, then key: a page deep in it is an index range (keyset cursors carry the year). EF Core's model has no
    /// expression indexes, so this one is SQL.
    /// </summary>
    public partial class StartYearIndexed : Migration
    {
        private const string Name = "ix_projects_start_year_id";

        protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql($"""
            CREATE INDEX {Name} ON projects ((CASE WHEN start_date IS NOT NULL THEN date_part('year', start_date)::int END), id);
            """);

        protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql($"DROP INDEX {Name};");
    }
}
