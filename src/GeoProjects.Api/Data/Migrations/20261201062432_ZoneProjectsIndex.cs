using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GeoProjects.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class ZoneProjectsIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_projects_zone_id",
                table: "projects");

            migrationBuilder.CreateIndex(
                name: "ix_projects_zone_id_id",
                table: "projects",
                columns: new[] { "zone_id", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_projects_zone_id_id",
                table: "projects");

            migrationBuilder.CreateIndex(
                name: "ix_projects_zone_id",
                table: "projects",
                column: "zone_id");
        }
    }
}
