using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GeoProjects.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class EveryOrderIndexed : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_projects_start_date_id",
                table: "projects");

            migrationBuilder.DropIndex(
                name: "ix_projects_status_id",
                table: "projects");

            migrationBuilder.DropIndex(
                name: "ix_projects_total_investment_id",
                table: "projects");

            migrationBuilder.CreateIndex(
                name: "ix_projects_created_at_id",
                table: "projects",
                columns: new[] { "created_at", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_projects_data_source_id",
                table: "projects",
                columns: new[] { "data_source", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_projects_developer_id",
                table: "projects",
                columns: new[] { "developer", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_projects_land_area_mu_id",
                table: "projects",
                columns: new[] { "land_area_mu", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_projects_name_en_id",
                table: "projects",
                columns: new[] { "name_en", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_projects_planned_completion_date_id",
                table: "projects",
                columns: new[] { "planned_completion_date", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_projects_start_date_id",
                table: "projects",
                columns: new[] { "start_date", "id" })
                .Annotation("Npgsql:IndexInclude", new[] { "sector", "zone_id", "status", "total_investment" });

            migrationBuilder.CreateIndex(
                name: "ix_projects_status_id",
                table: "projects",
                columns: new[] { "status", "id" })
                .Annotation("Npgsql:IndexInclude", new[] { "sector", "zone_id", "total_investment" });

            migrationBuilder.CreateIndex(
                name: "ix_projects_total_investment_id",
                table: "projects",
                columns: new[] { "total_investment", "id" })
                .Annotation("Npgsql:IndexInclude", new[] { "sector", "zone_id", "status" });

            migrationBuilder.CreateIndex(
                name: "ix_projects_updated_at_id",
                table: "projects",
                columns: new[] { "updated_at", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_projects_created_at_id",
                table: "projects");

            migrationBuilder.DropIndex(
                name: "ix_projects_data_source_id",
                table: "projects");

            migrationBuilder.DropIndex(
                name: "ix_projects_developer_id",
                table: "projects");

            migrationBuilder.DropIndex(
                name: "ix_projects_land_area_mu_id",
                table: "projects");

            migrationBuilder.DropIndex(
                name: "ix_projects_name_en_id",
                table: "projects");

            migrationBuilder.DropIndex(
                name: "ix_projects_planned_completion_date_id",
                table: "projects");

            migrationBuilder.DropIndex(
                name: "ix_projects_start_date_id",
                table: "projects");

            migrationBuilder.DropIndex(
                name: "ix_projects_status_id",
                table: "projects");

            migrationBuilder.DropIndex(
                name: "ix_projects_total_investment_id",
                table: "projects");

            migrationBuilder.DropIndex(
                name: "ix_projects_updated_at_id",
                table: "projects");

            migrationBuilder.CreateIndex(
                name: "ix_projects_start_date_id",
                table: "projects",
                columns: new[] { "start_date", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_projects_status_id",
                table: "projects",
                columns: new[] { "status", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_projects_total_investment_id",
                table: "projects",
                columns: new[] { "total_investment", "id" });
        }
    }
}
