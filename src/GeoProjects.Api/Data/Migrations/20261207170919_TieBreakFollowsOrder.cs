using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GeoProjects.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class TieBreakFollowsOrder : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_projects_total_investment_id",
                table: "projects");

            migrationBuilder.CreateIndex(
                name: "ix_projects_total_investment_id",
                table: "projects",
                columns: new[] { "total_investment", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_projects_total_investment_id",
                table: "projects");

            migrationBuilder.CreateIndex(
                name: "ix_projects_total_investment_id",
                table: "projects",
                columns: new[] { "total_investment", "id" },
                descending: new[] { true, false });
        }
    }
}
