using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GeoProjects.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class OrderIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_projects_industry_chain",
                table: "projects");

            migrationBuilder.DropIndex(
                name: "ix_projects_sector",
                table: "projects");

            migrationBuilder.DropIndex(
                name: "ix_projects_start_date",
                table: "projects");

            migrationBuilder.DropIndex(
                name: "ix_projects_status",
                table: "projects");

            migrationBuilder.CreateIndex(
                name: "ix_projects_industry_chain_id",
                table: "projects",
                columns: new[] { "industry_chain", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_projects_name_id",
                table: "projects",
                columns: new[] { "name", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_projects_sector_id",
                table: "projects",
                columns: new[] { "sector", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_projects_start_date_id",
                table: "projects",
                columns: new[] { "start_date", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_projects_status_id",
                table: "projects",
                columns: new[] { "status", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_projects_industry_chain_id",
                table: "projects");

            migrationBuilder.DropIndex(
                name: "ix_projects_name_id",
                table: "projects");

            migrationBuilder.DropIndex(
                name: "ix_projects_sector_id",
                table: "projects");

            migrationBuilder.DropIndex(
                name: "ix_projects_start_date_id",
                table: "projects");

            migrationBuilder.DropIndex(
                name: "ix_projects_status_id",
                table: "projects");

            migrationBuilder.CreateIndex(
                name: "ix_projects_industry_chain",
                table: "projects",
                column: "industry_chain");

            migrationBuilder.CreateIndex(
                name: "ix_projects_sector",
                table: "projects",
                column: "sector");

            migrationBuilder.CreateIndex(
                name: "ix_projects_start_date",
                table: "projects",
                column: "start_date");

            migrationBuilder.CreateIndex(
                name: "ix_projects_status",
                table: "projects",
                column: "status");
        }
    }
}
