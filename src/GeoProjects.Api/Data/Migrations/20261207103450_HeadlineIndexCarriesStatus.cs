using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GeoProjects.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class HeadlineIndexCarriesStatus : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_projects_zone_id_sector_total_investment",
                table: "projects");

            migrationBuilder.CreateIndex(
                name: "ix_projects_zone_id_sector_total_investment",
                table: "projects",
                columns: new[] { "zone_id", "sector", "total_investment" })
                .Annotation("Npgsql:IndexInclude", new[] { "status" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_projects_zone_id_sector_total_investment",
                table: "projects");

            migrationBuilder.CreateIndex(
                name: "ix_projects_zone_id_sector_total_investment",
                table: "projects",
                columns: new[] { "zone_id", "sector", "total_investment" });
        }
    }
}
