using System.Linq.Expressions;
using System.Reflection;
using GeoProjects.Api.Data;

namespace GeoProjects.Api.Querying;

/// <summary>
/// A projects filter carried over to a summary table (statistics, the cluster pyramid): when the filter reads only the
/// summary's dimensions, the same predicate over the summary's rows, so one filter model serves both; when it reads anything
/// else (investment, dates, names, progress, geometry), null: the answer needs the projects themselves.
/// </summary>
public static class SummaryFilter
{
    /// <summary>The summary's rows the filter selects (all of them without a filter), or null when the filter needs the projects.</summary>
    public static IQueryable<TSummary>? Over<TSummary>(IQueryable<TSummary> summary, Expression<Func<Project, bool>>? filter, string[] dimensions)
    {
        if (filter is null) return summary;
        var target = Expression.Parameter(typeof(TSummary), "s");
        var rebase = new Rebase(filter.Parameters[0], target, dimensions);
        var body = rebase.Visit(filter.Body);
        return rebase.Failed ? null : summary.Where(Expression.Lambda<Func<TSummary, bool>>(body, target));
    }

    /// <summary>Replaces project.Member by summary.Member for the dimensions; notes any other use of the project.</summary>
    private sealed class Rebase(ParameterExpression project, ParameterExpression summary, string[] dimensions) : ExpressionVisitor
    {
        public bool Failed { get; private set; }

        protected override Expression VisitMember(MemberExpression node)
        {
            if (node.Expression != project) return base.VisitMember(node);
            var member = dimensions.Contains(node.Member.Name) ? summary.Type.GetProperty(node.Member.Name) : null;
            if (member is not null && member.PropertyType == ((PropertyInfo)node.Member).PropertyType) return Expression.Property(summary, member);
            Failed = true;
            return node;
        }

        protected override Expression VisitParameter(ParameterExpression node)
        {
            Failed |= node == project;
            return node;
        }
    }
}
