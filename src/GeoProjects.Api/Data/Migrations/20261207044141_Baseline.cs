using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GeoProjects.Api.Data.Migrations
{
    /// <summary>
    /// Today's tables in one step (Baseline.sql): the sixteen migrations before it, squashed. A database they migrated is
    /// recognised by <see cref="PreviousMigrations"/> and marked as at this baseline, with nothing else changed.
    /// </summary>
    public partial class Baseline : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql(PreviousMigrations.BaselineSql);

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) =>
            throw new NotSupportedException("the baseline is where the registry's history starts: restore a backup instead");
    }
}
