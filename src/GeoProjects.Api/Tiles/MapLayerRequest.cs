using GeoProjects.Api.Hosting;
using System.Security.Cryptography;
using System.Text;
using GeoProjects.Api.Crs;
using GeoProjects.Api.Data;
using GeoProjects.Api.Projects;
using GeoProjects.Api.Querying;
using Microsoft.EntityFrameworkCore;

namespace GeoProjects.Api.Tiles;

/// <summary>
/// What the map front doors (tiles, GeoJSON) share: the `where` filter in GraphQL's model, `crs`, the progress
/// context (`asOf`, default today) read once so the filter, the ETag and the tile cache agree on the day; errors, ETags.
/// </summary>
public sealed record MapLayerRequest(IDictionary<string, object?>? Where, CoordinateSystem Crs, QueryContext Context)
{
    private static readonly string[] Parameters = ["where", "crs", "asOf"];

    /// <summary>
    /// Reads `where` (URL-encoded JSON of the filter input), `crs` and `asOf`; throws <see cref="QueryInputException"/> when
    /// bad, and for a parameter the door does not take (a misspelt `whre` would otherwise serve the unfiltered layer), as the
    /// OGC door does. <paramref name="others"/>: the door's own parameters (GeoJSON's `limit`).
    /// </summary>
    public static MapLayerRequest Read(HttpContext http, IEntityFilter filter, params string[] others)
    {
        var unknown = http.Request.Query.Keys.Where(k => !Parameters.Contains(k) && !others.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new QueryInputException("UNKNOWN_PARAMETER",
                $"unknown parameter(s) {string.Join(", ", unknown)}; accepted here: {string.Join(", ", Parameters.Concat(others))}");
        var where = WhereReader.Read(filter, http.Request.Query["where"].FirstOrDefault());
        var crsText = http.Request.Query["crs"].FirstOrDefault();
        var crs = CoordinateSystem.Wgs84;
        if (!string.IsNullOrEmpty(crsText) && !Enum.TryParse(crsText, ignoreCase: true, out crs))
            throw new QueryInputException("INVALID_CRS", $"crs '{crsText}' is not one of WGS84, GCJ02, BD09");
        return new MapLayerRequest(where, crs, Progress.Context(http));
    }

    /// <summary>SQL for a stored geometry in the asked CRS; WGS84 skips the (plpgsql, per-row) conversion function entirely.</summary>
    public string InCrs(string geometry, string parameter) =>
        Crs == CoordinateSystem.Wgs84 ? geometry : $"geoprojects_to_crs({geometry}, @{parameter})";

    /// <summary>The SQL name geoprojects_to_crs() takes.</summary>
    public string CrsName => Crs.ToString().ToUpperInvariant();

    public static IResult BadRequest(QueryInputException e) =>
        Results.Json(ErrorBodies.Map(e.Code!, e.Message), statusCode: StatusCodes.Status400BadRequest);

    /// <summary>
    /// The ETag of a response: the database's data version (bumped by triggers on every write), the day the
    /// progress fields are computed for (a `warningLevel` filter changes at midnight), and the request.
    /// Returns the data version, or null after writing 304 when the client already has it.
    /// </summary>
    public async Task<long?> CheckETagAsync(HttpContext http, GeoProjectsDb db, string cacheControl)
    {
        var version = await db.Database.SqlQueryRaw<long>("SELECT version AS \"Value\" FROM data_version").SingleAsync(http.RequestAborted);
        // What the caller may see is part of the answer: a 304 never confirms to the public what only staff may read.
        var view = Security.Caller.Current.View;
        var request = Hash($"{http.Request.Path}{http.Request.QueryString}|{Context.AsOf:yyyy-MM-dd}|{view}");
        var etag = $"\"v{version}-{request}\"";
        http.Response.Headers.ETag = etag;
        http.Response.Headers.CacheControl = view == Security.Caller.PublicView ? cacheControl : cacheControl.Replace("public", "private");
        http.Response.Headers.Vary = "Authorization";
        if (MatchesAny(http.Request.Headers.IfNoneMatch, etag))
        {
            http.Response.StatusCode = StatusCodes.Status304NotModified;
            return null;
        }
        // Behind a load balancer, a replica that lags must not hand a client older data than it already has: the
        // client's ETag names the version it saw, and a version never goes backwards for it.
        if (NewestVersion(http.Request.Headers.IfNoneMatch) > version)
        {
            http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            http.Response.Headers.RetryAfter = "1";
            http.Items[Hosting.HttpSetup.ErrorItem] = ("REPLICA_BEHIND", $"this replica has data version {version}; you have seen a newer one: retry");
            return null;
        }
        return version;
    }

    private static long NewestVersion(Microsoft.Extensions.Primitives.StringValues ifNoneMatch) =>
        ifNoneMatch.SelectMany(v => System.Text.RegularExpressions.Regex.Matches(v ?? "", "\"v(\\d{1,18})-").Select(m => long.Parse(m.Groups[1].Value)))
            .DefaultIfEmpty(0).Max();

    /// <summary>If-None-Match uses the weak comparison (RFC 9110 §13.1.2): `W/` is ignored on both sides, `*` matches anything.</summary>
    public static bool MatchesAny(Microsoft.Extensions.Primitives.StringValues ifNoneMatch, string etag)
    {
        static string Opaque(string tag) => tag.StartsWith("W/", StringComparison.Ordinal) ? tag[2..] : tag;
        return ifNoneMatch.SelectMany(v => (v ?? "").Split(',')).Select(t => t.Trim())
            .Any(t => t == "*" || Opaque(t) == Opaque(etag));
    }

    /// <summary>
    /// What a tile's bytes depend on: the data version, what the caller may see, the progress day, the path and the parameters read here.
    /// Other query parameters are left out, so they cannot fill a server-side cache with copies.
    /// </summary>
    public string TileKey(HttpContext http, long version) =>
        $"{version}|{Security.Caller.Current.View}|{Context.AsOf:yyyy-MM-dd}|{http.Request.Path}|"
        + $"{http.Request.Query["where"]}|{http.Request.Query["crs"]}";

    private static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
}
