using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GeoProjects.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class SourceNoteLimit : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The field registry's limit, which import always applied, is now the column's too.
            migrationBuilder.AlterColumn<string>(
                name: "source_note",
                table: "projects",
                type: "character varying(4000)",
                maxLength: 4000,
                nullable: false,
                oldClrType: typeof(string),
                oldType: "text");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "source_note",
                table: "projects",
                type: "text",
                nullable: false,
                oldClrType: typeof(string),
                oldType: "character varying(4000)",
                oldMaxLength: 4000);
        }
    }
}
