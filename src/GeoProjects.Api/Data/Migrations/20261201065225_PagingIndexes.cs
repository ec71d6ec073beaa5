using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GeoProjects.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class PagingIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_projects_total_investment",
                table: "projects");

            migrationBuilder.DropIndex(
                name: "ix_projects_zone_id",
                table: "projects");

            migrationBuilder.CreateIndex(
                name: "ix_projects_total_investment_id",
                table: "projects",
                columns: new[] { "total_investment", "id" },
                descending: new[] { true, false });

            migrationBuilder.CreateIndex(
                name: "ix_projects_zone_id_id",
                table: "projects",
                columns: new[] { "zone_id", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_projects_total_investment_id",
                table: "projects");

            migrationBuilder.DropIndex(
                name: "ix_projects_zone_id_id",
                table: "projects");

            migrationBuilder.CreateIndex(
                name: "ix_projects_total_investment",
                table: "projects",
                column: "total_investment");

            migrationBuilder.CreateIndex(
                name: "ix_projects_zone_id",
                table: "projects",
                column: "zone_id");
        }
    }
}
