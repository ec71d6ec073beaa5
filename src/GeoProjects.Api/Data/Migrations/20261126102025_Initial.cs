using System;
using Microsoft.EntityFrameworkCore.Migrations;
using NetTopologySuite.Geometries;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace GeoProjects.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterDatabase()
                .Annotation("Npgsql:PostgresExtension:postgis", ",,");

            migrationBuilder.CreateTable(
                name: "project_batches",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    date = table.Column<DateOnly>(type: "date", nullable: false),
                    level = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    source_note = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_project_batches", x => x.id);
                },
                comment: "集中开工 / 集中签约 events");

            migrationBuilder.CreateTable(
                name: "zones",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    code = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    name_en = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    boundary = table.Column<MultiPolygon>(type: "geometry(MultiPolygon,4326)", nullable: false),
                    area_km2 = table.Column<double>(type: "double precision", nullable: false, computedColumnSql: "ST_Area(geography(boundary)) / 1000000.0", stored: true, comment: "面积 (km²), computed on the geography"),
                    parent_id = table.Column<int>(type: "integer", nullable: true),
                    is_approximate = table.Column<bool>(type: "boolean", nullable: false),
                    confidence = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    source_note = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_zones", x => x.id);
                    table.ForeignKey(
                        name: "fk_zones_zones_parent_id",
                        column: x => x.parent_id,
                        principalTable: "zones",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                },
                comment: "功能区 · functional areas and the district, boundaries approximate");

            migrationBuilder.CreateTable(
                name: "projects",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    code = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    name_en = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    sector = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    industry_chain = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    total_investment = table.Column<decimal>(type: "numeric(14,2)", precision: 14, scale: 2, nullable: false, comment: "总投资 (亿元)"),
                    annual_planned_investment = table.Column<decimal>(type: "numeric(14,2)", precision: 14, scale: 2, nullable: true, comment: "年度计划投资 (亿元)"),
                    completed_investment = table.Column<decimal>(type: "numeric(14,2)", precision: 14, scale: 2, nullable: true, comment: "完成投资 (亿元)"),
                    land_area_mu = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: true, comment: "用地面积 (亩)"),
                    developer = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    start_date = table.Column<DateOnly>(type: "date", nullable: true),
                    batch_id = table.Column<int>(type: "integer", nullable: true),
                    zone_id = table.Column<int>(type: "integer", nullable: true),
                    location = table.Column<Point>(type: "geometry(Point,4326)", nullable: false),
                    site = table.Column<Polygon>(type: "geometry(Polygon,4326)", nullable: true),
                    data_source = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    source_note = table.Column<string>(type: "text", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_projects", x => x.id);
                    table.CheckConstraint("ck_projects_location_valid", "ST_IsValid(location)");
                    table.CheckConstraint("ck_projects_total_investment", "total_investment >= 0");
                    table.ForeignKey(
                        name: "fk_projects_batches_batch_id",
                        column: x => x.batch_id,
                        principalTable: "project_batches",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "fk_projects_zones_zone_id",
                        column: x => x.zone_id,
                        principalTable: "zones",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                },
                comment: "重大项目 · major investment projects");

            migrationBuilder.CreateIndex(
                name: "ix_project_batches_date",
                table: "project_batches",
                column: "date");

            migrationBuilder.CreateIndex(
                name: "ix_projects_batch_id",
                table: "projects",
                column: "batch_id");

            migrationBuilder.CreateIndex(
                name: "ix_projects_code",
                table: "projects",
                column: "code",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_projects_industry_chain",
                table: "projects",
                column: "industry_chain");

            migrationBuilder.CreateIndex(
                name: "ix_projects_location",
                table: "projects",
                column: "location")
                .Annotation("Npgsql:IndexMethod", "gist");

            migrationBuilder.CreateIndex(
                name: "ix_projects_sector",
                table: "projects",
                column: "sector");

            migrationBuilder.CreateIndex(
                name: "ix_projects_site",
                table: "projects",
                column: "site")
                .Annotation("Npgsql:IndexMethod", "gist");

            migrationBuilder.CreateIndex(
                name: "ix_projects_start_date",
                table: "projects",
                column: "start_date");

            migrationBuilder.CreateIndex(
                name: "ix_projects_status",
                table: "projects",
                column: "status");

            migrationBuilder.CreateIndex(
                name: "ix_projects_total_investment",
                table: "projects",
                column: "total_investment");

            migrationBuilder.CreateIndex(
                name: "ix_projects_zone_id",
                table: "projects",
                column: "zone_id");

            migrationBuilder.CreateIndex(
                name: "ix_zones_boundary",
                table: "zones",
                column: "boundary")
                .Annotation("Npgsql:IndexMethod", "gist");

            migrationBuilder.CreateIndex(
                name: "ix_zones_code",
                table: "zones",
                column: "code",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_zones_name",
                table: "zones",
                column: "name");

            migrationBuilder.CreateIndex(
                name: "ix_zones_parent_id",
                table: "zones",
                column: "parent_id");

            // Distances and buffers are computed on geography(location); this index serves ST_DWithin on it.
            migrationBuilder.Sql("CREATE INDEX ix_projects_location_geography ON projects USING gist (geography(location));");

            // A project's zone, when not given, is the smallest zone whose boundary contains its location
            // (zones nest and overlap). A trigger, so every writer (EF, psql, imports) gets the same rule.
            migrationBuilder.Sql("""
                CREATE FUNCTION geoprojects_assign_zone() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF NEW.zone_id IS NULL THEN
                    SELECT z.id INTO NEW.zone_id FROM zones z
                    WHERE ST_Contains(z.boundary, NEW.location)
                    ORDER BY z.area_km2, z.id LIMIT 1;
                  END IF;
                  RETURN NEW;
                END $$;
                CREATE TRIGGER projects_assign_zone BEFORE INSERT OR UPDATE OF location, zone_id ON projects
                  FOR EACH ROW EXECUTE FUNCTION geoprojects_assign_zone();

                CREATE FUNCTION geoprojects_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  NEW.updated_at := now();
                  RETURN NEW;
                END $$;
                CREATE TRIGGER projects_touch_updated_at BEFORE UPDATE ON projects
                  FOR EACH ROW EXECUTE FUNCTION geoprojects_touch_updated_at();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS projects_touch_updated_at ON projects;
                DROP TRIGGER IF EXISTS projects_assign_zone ON projects;
                DROP FUNCTION IF EXISTS geoprojects_touch_updated_at();
                DROP FUNCTION IF EXISTS geoprojects_assign_zone();
                DROP INDEX IF EXISTS ix_projects_location_geography;
                """);

            migrationBuilder.DropTable(
                name: "projects");

            migrationBuilder.DropTable(
                name: "project_batches");

            migrationBuilder.DropTable(
                name: "zones");
        }
    }
}
