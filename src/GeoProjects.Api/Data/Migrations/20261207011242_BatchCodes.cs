using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GeoProjects.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class BatchCodes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Codes are given to the batches there are, as identifiers assigned afterwards, not as an edit: no version,
            // revision or notification. Their past records get the code too, so a batch read as of any date has its key.
            migrationBuilder.Sql("""
                ALTER TABLE project_batches ADD COLUMN code character varying(32);
                ALTER TABLE project_batches DISABLE TRIGGER USER;
                UPDATE project_batches SET code = CASE name
                  WHEN '2023-11-25 全市高质量发展重大项目建设现场推进会 · 西海岸新区集中开工' THEN 'XHA-2023-C'
                  WHEN '2023-11-25 全区高质量发展重大项目建设现场推进会 · 集中开工' THEN 'XHA-2023-D'
                  ELSE 'BATCH-' || id END;
                ALTER TABLE project_batches ENABLE TRIGGER USER;
                ALTER TABLE project_batches ALTER COLUMN code SET NOT NULL;
                ALTER TABLE revisions DISABLE TRIGGER revisions_append_only;
                UPDATE revisions r SET record = r.record || jsonb_build_object('code', coalesce(b.code, 'BATCH-' || r.entity_id))
                  FROM revisions x LEFT JOIN project_batches b ON b.id = x.entity_id
                  WHERE x.id = r.id AND r.entity = 'ProjectBatch' AND NOT r.record ? 'code';
                ALTER TABLE revisions ENABLE TRIGGER revisions_append_only;
                """);

            migrationBuilder.CreateIndex(
                name: "ix_project_batches_code",
                table: "project_batches",
                column: "code",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_project_batches_code",
                table: "project_batches");

            migrationBuilder.DropColumn(
                name: "code",
                table: "project_batches");
        }
    }
}
