using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace GeoProjects.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class ProgressReports : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "annual_plans",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    project_id = table.Column<int>(type: "integer", nullable: false),
                    year = table.Column<int>(type: "integer", nullable: false),
                    planned_investment = table.Column<decimal>(type: "numeric(14,2)", precision: 14, scale: 2, nullable: false),
                    data_source = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    version = table.Column<int>(type: "integer", rowVersion: true, nullable: false, defaultValue: 1)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_annual_plans", x => x.id);
                    table.CheckConstraint("ck_annual_plans_planned_investment", "planned_investment >= 0");
                    table.CheckConstraint("ck_annual_plans_year", "year BETWEEN 2000 AND 2100");
                    table.ForeignKey(
                        name: "fk_annual_plans_projects_project_id",
                        column: x => x.project_id,
                        principalTable: "projects",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                },
                comment: "年度计划投资 · a project's planned investment per year");

            migrationBuilder.CreateTable(
                name: "progress_reports",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    project_id = table.Column<int>(type: "integer", nullable: false),
                    period = table.Column<DateOnly>(type: "date", nullable: false),
                    completed_investment_ytd = table.Column<decimal>(type: "numeric(14,2)", precision: 14, scale: 2, nullable: false, comment: "累计完成投资 (亿元), January to the end of the month"),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    note = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    correction = table.Column<bool>(type: "boolean", nullable: false),
                    reported_by = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    reported_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    data_source = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    version = table.Column<int>(type: "integer", rowVersion: true, nullable: false, defaultValue: 1)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_progress_reports", x => x.id);
                    table.CheckConstraint("ck_progress_reports_completed", "completed_investment_ytd >= 0");
                    table.CheckConstraint("ck_progress_reports_correction_note", "NOT correction OR note IS NOT NULL");
                    table.CheckConstraint("ck_progress_reports_period", "extract(day FROM period) = 1");
                    table.ForeignKey(
                        name: "fk_progress_reports_projects_project_id",
                        column: x => x.project_id,
                        principalTable: "projects",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                },
                comment: "月度进度 · monthly progress reports: year-to-date completed investment, status");

            migrationBuilder.CreateIndex(
                name: "ix_annual_plans_project_id_year",
                table: "annual_plans",
                columns: new[] { "project_id", "year" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_progress_reports_project_id_period",
                table: "progress_reports",
                columns: new[] { "project_id", "period" },
                unique: true);
            migrationBuilder.Sql("""
                -- Versions and revisions for plans and reports, as for every other record.
                CREATE TRIGGER annual_plans_next_version BEFORE UPDATE ON annual_plans FOR EACH ROW EXECUTE FUNCTION geoprojects_next_version();
                CREATE TRIGGER annual_plans_revisions_insert AFTER INSERT ON annual_plans REFERENCING NEW TABLE AS new_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_record_revisions('AnnualPlan');
                CREATE TRIGGER annual_plans_revisions_update AFTER UPDATE ON annual_plans REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_record_revisions('AnnualPlan');
                CREATE TRIGGER annual_plans_revisions_delete AFTER DELETE ON annual_plans REFERENCING OLD TABLE AS old_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_record_revisions('AnnualPlan');
                CREATE TRIGGER progress_reports_next_version BEFORE UPDATE ON progress_reports FOR EACH ROW EXECUTE FUNCTION geoprojects_next_version();
                CREATE TRIGGER progress_reports_revisions_insert AFTER INSERT ON progress_reports REFERENCING NEW TABLE AS new_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_record_revisions('ProgressReport');
                CREATE TRIGGER progress_reports_revisions_update AFTER UPDATE ON progress_reports REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_record_revisions('ProgressReport');
                CREATE TRIGGER progress_reports_revisions_delete AFTER DELETE ON progress_reports REFERENCING OLD TABLE AS old_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_record_revisions('ProgressReport');
                CREATE TRIGGER annual_plans_data_version AFTER INSERT OR UPDATE OR DELETE ON annual_plans
                  FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_bump_data_version();
                CREATE TRIGGER progress_reports_data_version AFTER INSERT OR UPDATE OR DELETE ON progress_reports
                  FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_bump_data_version();

                -- A project's figures are its latest plan and latest report, and its status the latest report's, whoever writes
                -- them (API, import, psql).
                CREATE FUNCTION geoprojects_latest_figures() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  -- Set-based: one UPDATE per statement, so a sheet of 3 000 reports touches each project once.
                  UPDATE projects p SET
                    annual_planned_investment = coalesce(
                      (SELECT a.planned_investment FROM annual_plans a WHERE a.project_id = p.id ORDER BY a.year DESC LIMIT 1),
                      CASE WHEN TG_TABLE_NAME = 'annual_plans' THEN NULL ELSE p.annual_planned_investment END),
                    completed_investment = coalesce(
                      (SELECT r.completed_investment_ytd FROM progress_reports r WHERE r.project_id = p.id ORDER BY r.period DESC LIMIT 1),
                      CASE WHEN TG_TABLE_NAME = 'progress_reports' THEN NULL ELSE p.completed_investment END),
                    status = CASE WHEN TG_TABLE_NAME = 'progress_reports' THEN coalesce(
                      (SELECT r.status FROM progress_reports r WHERE r.project_id = p.id ORDER BY r.period DESC LIMIT 1), p.status) ELSE p.status END
                  WHERE p.id IN (SELECT DISTINCT project_id FROM changed_rows);
                  RETURN NULL;
                END $$;
                CREATE TRIGGER annual_plans_latest_figures_insert AFTER INSERT ON annual_plans REFERENCING NEW TABLE AS changed_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_latest_figures();
                CREATE TRIGGER annual_plans_latest_figures_update AFTER UPDATE ON annual_plans REFERENCING NEW TABLE AS changed_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_latest_figures();
                CREATE TRIGGER annual_plans_latest_figures_delete AFTER DELETE ON annual_plans REFERENCING OLD TABLE AS changed_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_latest_figures();
                CREATE TRIGGER progress_reports_latest_figures_insert AFTER INSERT ON progress_reports REFERENCING NEW TABLE AS changed_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_latest_figures();
                CREATE TRIGGER progress_reports_latest_figures_update AFTER UPDATE ON progress_reports REFERENCING NEW TABLE AS changed_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_latest_figures();
                CREATE TRIGGER progress_reports_latest_figures_delete AFTER DELETE ON progress_reports REFERENCING OLD TABLE AS changed_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION geoprojects_latest_figures();
                """);
            migrationBuilder.Sql(GeoProjects.Api.Projects.ProgressFigures.CarryOver2023("migration"));
            // Geometry validity is PostGIS's to enforce for zones too (projects have had it from the start), whoever writes.
            migrationBuilder.Sql("ALTER TABLE zones ADD CONSTRAINT ck_zones_boundary_valid CHECK (ST_IsValid(boundary));");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS geoprojects_latest_figures() CASCADE;");
            migrationBuilder.Sql("ALTER TABLE zones DROP CONSTRAINT IF EXISTS ck_zones_boundary_valid;");
            migrationBuilder.DropTable(
                name: "annual_plans");

            migrationBuilder.DropTable(
                name: "progress_reports");
        }
    }
}
