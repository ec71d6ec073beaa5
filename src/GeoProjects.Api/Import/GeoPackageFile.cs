using System.Globalization;
using System.Runtime.CompilerServices;
using GeoProjects.Api.GraphQL;
using Microsoft.Data.Sqlite;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;

namespace GeoProjects.Api.Import;

/// <summary>
/// GeoPackage (OGC 12-128r19) through SQLite: reads the first feature table; writes one `projects` table with the
/// metadata tables GDAL and QGIS expect. Geometry blobs come from NetTopologySuite.IO.GeoPackage.
/// </summary>
public static class GeoPackageFile
{
    private static SqliteConnection Open(string path, SqliteOpenMode mode)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static (string Table, string Column, int Srid) FeatureTable(SqliteConnection c)
    {
        using var command = c.CreateCommand();
        command.CommandText = """
            SELECT g.table_name, g.column_name, g.srs_id FROM gpkg_geometry_columns g
            JOIN gpkg_contents c ON c.table_name = g.table_name WHERE c.data_type = 'features' ORDER BY g.table_name LIMIT 1
            """;
        try
        {
            using var r = command.ExecuteReader();
            if (!r.Read()) throw new ImportException("the GeoPackage has no feature table");
            return (r.GetString(0), r.GetString(1), r.GetInt32(2));
        }
        catch (SqliteException e)
        {
            throw new ImportException($"not a GeoPackage: {e.Message}");
        }
    }

    public static Task<string?> CrsAsync(string path, CancellationToken ct)
    {
        using var c = Open(path, SqliteOpenMode.ReadOnly);
        var (_, _, srid) = FeatureTable(c);
        if (srid == 4326) return Task.FromResult<string?>("WGS84");
        if (srid == 4490) return Task.FromResult<string?>("CGCS2000");
        using var command = c.CreateCommand();
        command.CommandText = "SELECT definition FROM gpkg_spatial_ref_sys WHERE srs_id = $id";
        command.Parameters.AddWithValue("$id", srid);
        return Task.FromResult(SourceRows.CrsOfWkt(command.ExecuteScalar() as string));
    }

    public static async IAsyncEnumerable<SourceRow> ReadAsync(string path, ImportMapping mapping, [EnumeratorCancellation] CancellationToken ct)
    {
        using var c = Open(path, SqliteOpenMode.ReadOnly);
        var (table, column, _) = FeatureTable(c);
        using var command = c.CreateCommand();
        command.CommandText = $"SELECT * FROM \"{table.Replace("\"", "\"\"")}\"";
        using var r = await command.ExecuteReaderAsync(ct);
        var reader = new GeoPackageGeoReader();
        var number = 0;
        while (await r.ReadAsync(ct))
        {
            number++;
            var fields = new Dictionary<string, string?>();
            Geometry? geometry = null;
            string? error = null;
            for (var i = 0; i < r.FieldCount; i++)
            {
                var name = r.GetName(i);
                if (name.Equals(column, StringComparison.OrdinalIgnoreCase))
                {
                    if (r.IsDBNull(i)) continue;
                    try { geometry = reader.Read((byte[])r.GetValue(i)); }
                    catch (Exception e) when (e is ArgumentException or InvalidOperationException or ParseException or IndexOutOfRangeException) { error = $"malformed geometry: {e.Message}"; }
                }
                else if (mapping.Field(name) is { } field)
                    fields[field] = r.IsDBNull(i) ? null : Convert.ToString(r.GetValue(i), CultureInfo.InvariantCulture);
            }
            yield return new SourceRow(number, fields, geometry, error ?? (geometry is null ? "the record has no geometry" : null));
        }
    }

    /// <summary>Creates a GeoPackage with a `projects` point table (EPSG:4326) holding <paramref name="columns"/>.</summary>
    public static SqliteConnection Create(string path, IReadOnlyList<(string Name, string Type)> columns)
    {
        if (File.Exists(path)) File.Delete(path);
        var c = Open(path, SqliteOpenMode.ReadWriteCreate);
        using var command = c.CreateCommand();
        command.CommandText = $$"""
            PRAGMA application_id = 1196444487;
            PRAGMA user_version = 10300;
            CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
              organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
            INSERT INTO gpkg_spatial_ref_sys VALUES
              ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', NULL),
              ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', NULL),
              ('WGS 84 geodetic', 4326, 'EPSG', 4326, 'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]', 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');
            CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '',
              last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER);
            CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL,
              z TINYINT NOT NULL, m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name));
            CREATE TABLE projects (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom POINT{{string.Concat(columns.Select(col => $", \"{col.Name}\" {col.Type}"))}});
            INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES ('projects', 'features', 'projects', '重大项目 · GeoProjects export', 4326);
            INSERT INTO gpkg_geometry_columns VALUES ('projects', 'geom', 'POINT', 4326, 0, 0);
            """;
        command.ExecuteNonQuery();
        return c;
    }

    public static byte[] Blob(Point point)
    {
        point.SRID = GeoJson.Srid;
        return new GeoPackageGeoWriter().Write(point);
    }

    /// <summary>Records the extent of the written features in gpkg_contents.</summary>
    public static void SetExtent(SqliteConnection c, Envelope e)
    {
        if (e.IsNull) return;
        using var command = c.CreateCommand();
        command.CommandText = "UPDATE gpkg_contents SET min_x = $a, min_y = $b, max_x = $c, max_y = $d WHERE table_name = 'projects'";
        command.Parameters.AddWithValue("$a", e.MinX);
        command.Parameters.AddWithValue("$b", e.MinY);
        command.Parameters.AddWithValue("$c", e.MaxX);
        command.Parameters.AddWithValue("$d", e.MaxY);
        command.ExecuteNonQuery();
    }
}
