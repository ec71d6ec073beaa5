using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace GeoProjects.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class VersionsAndRevisions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "version",
                table: "zones",
                type: "integer",
                rowVersion: true,
                nullable: false,
                defaultValue: 1);

            // Until now the concurrency token was PostgreSQL's xmin, which changes on any rewrite and means nothing to a
            // client; a version of our own is what clients compare, what OGC's ETag carries and what revisions number.
            migrationBuilder.AddColumn<int>(
                name: "version",
                table: "projects",
                type: "integer",
                rowVersion: true,
                nullable: false,
                defaultValue: 1);

            migrationBuilder.AddColumn<int>(
                name: "version",
                table: "project_batches",
                type: "integer",
                rowVersion: true,
                nullable: false,
                defaultValue: 1);

            migrationBuilder.CreateTable(
                name: "revisions",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    entity = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    entity_id = table.Column<int>(type: "integer", nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    operation = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    changed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    changed_by = table.Column<string>(type: "text", nullable: false),
                    correlation_id = table.Column<string>(type: "text", nullable: true),
                    changes = table.Column<string>(type: "jsonb", nullable: false),
                    record = table.Column<string>(type: "jsonb", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_revisions", x => x.id);
                },
                comment: "修订记录 · every change to projects, zones, batches and progress reports, written by triggers");

            migrationBuilder.CreateIndex(
                name: "ix_revisions_changed_at",
                table: "revisions",
                column: "changed_at");

            migrationBuilder.CreateIndex(
                name: "ix_revisions_entity_entity_id_id",
                table: "revisions",
                columns: new[] { "entity", "entity_id", "id" });
            migrationBuilder.Sql(Sql.Up);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(Sql.Down);
            migrationBuilder.DropTable(
                name: "revisions");

            migrationBuilder.DropColumn(
                name: "version",
                table: "zones");

            migrationBuilder.DropColumn(
                name: "version",
                table: "project_batches");

            migrationBuilder.DropColumn(
                name: "version",
                table: "projects");

        }
    }
}
