using System.Linq.Expressions;
using GeoProjects.Api.Data;
using GeoProjects.Api.Fields;
using GeoProjects.Api.GraphQL;
using GeoProjects.Api.Querying;
using GraphQL;
using GeoProjects.Api.Security;
using GraphQL.Types;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GeoProjects.Api.History;

public sealed class RevisionType(QueryingTypes types) : RegistryObjectType<Revision>(
    "修订记录: 谁、何时、改了什么 · A revision: who changed what, when, from what to what; written by the database.", RevisionFields.Registry, types, node: true);

public sealed class RevisionsConnectionType() : ConnectionType<RevisionType, RevisionsEdgeType, Revision>("RevisionsConnection");

public sealed class RevisionsEdgeType() : EdgeType<RevisionType, Revision>("RevisionsEdge");

/// <summary>History for auditors: `revisions(where, order)`, each record's `history`, and records as they stood at a time.</summary>
public static class HistoryQueries
{
    /// <summary>A revision by its number (node), as the caller may read it (row-level security: staff only).</summary>
    public static global::GraphQL.DataLoader.IDataLoaderResult<Revision?> ById(IResolveFieldContext c, long id) =>
        c.LoaderById(db => db.Revisions, RevisionFields.Registry.Columns, r => r.Id).Load(id, Selection.FieldNames(c));

    /// <summary>Newest first unless `order` says otherwise.</summary>
    private static readonly object?[] NewestFirst = [new Dictionary<string, object?> { ["id"] = "DESC" }];

    public static void AddHistoryQueries(this ObjectGraphType query, QueryingTypes types)
    {
        query.Field<NonNullGraphType<RevisionsConnectionType>>("revisions")
            .Description("修订记录 (审计), 默认最新在前 · Revisions of every record, for auditors; newest first unless `order` says otherwise.")
            .Arguments(PagingArguments.Both())
            .Arguments(types.WhereArgument(RevisionFields.Registry.Filter), types.OrderArgument(RevisionFields.Registry.Sort))
            .ResolveAsync(async c => await PageAsync(c,
                c.RequestServices!.GetRequiredService<GeoProjectsDb>().Revisions.AsNoTracking()
                    .Filter(RevisionFields.Registry.Filter, c.InputArgument("where")),
                c.ListArgument("order")));
        query.GetField("revisions")!.Require(Security.Role.Viewer); // history is internal
    }

    /// <summary>A record's `history(first, after)`: its revisions, newest first; a deleted record keeps them.</summary>
    public static Func<QueryingTypes, FieldType> HistoryField<T>(string entity, Func<T, int> key) =>
        GraphTypes.Output<T, NonNullGraphType<RevisionsConnectionType>>(f => f
            .Arguments(PagingArguments.Forward())
            .ResolveAsync(async c =>
            {
                var id = key(c.Source);
                var revisions = c.RequestServices!.GetRequiredService<GeoProjectsDb>().Revisions.AsNoTracking()
                    .Where(r => r.Entity == entity && r.EntityId == id);
                return await PageAsync(c, revisions, null);
            }));

    private static Task<Connection<Revision>> PageAsync(IResolveFieldContext c, IQueryable<Revision> revisions, IEnumerable<object?>? order)
    {
        var keys = SortTranslator.Translate(RevisionFields.Registry.Sort, order ?? NewestFirst, r => r.Id);
        return Paging.PageAsync(revisions, keys, r => r, PagingArguments.Read(c),
            c.RequestServices!.GetRequiredService<IOptions<PagingOptions>>().Value, c.CancellationToken);
    }

    /// <summary>A record as it stood at <paramref name="asOf"/>, rebuilt from its last revision then; null if it did not exist.</summary>
    public static async Task<T?> AsOfAsync<T>(GeoProjectsDb db, string entity, int id, DateTime asOf, CancellationToken ct) where T : class
    {
        var at = asOf.ToUniversalTime();
        var last = await db.Revisions.AsNoTracking().Where(r => r.Entity == entity && r.EntityId == id && r.ChangedAt <= at)
            .OrderByDescending(r => r.Id).FirstOrDefaultAsync(ct);
        return last is null || last.Operation == RevisionOperation.Delete ? null : (T?)RevisionRecords.AsEntity(last, entity);
    }
}

public static class HistoryFields
{
    /// <summary>A record's `history` and `version`, the same on every entity the revision triggers cover.</summary>
    public static EntityFields<T> WithHistory<T>(this EntityFields<T> fields, Expression<Func<T, int>> version, Func<T, int> key) where T : class =>
        fields
            .Output("history", "修订历史, 最新在前 · The record's revisions, newest first: who changed what, when.", typeof(object),
                HistoryQueries.HistoryField(fields.TypeName, key))
            .ReadableBy(FieldAccess.Staff, "history") // history is internal, on every entity
            .Field("version", "版本: 新建为 1, 每次修改加 1 (由数据库触发器维护) · Version: 1 when created, +1 on every change "
                + "(kept by a database trigger); pass it as expectedVersion.", version, Door.Output, new(Generated: true));
}
