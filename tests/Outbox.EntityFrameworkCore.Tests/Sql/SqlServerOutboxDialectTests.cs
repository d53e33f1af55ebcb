using Microsoft.Data.SqlClient;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using Outbox.EntityFrameworkCore.Sql;
using Outbox.Storage;
using Outbox.TestSupport.Data;
using Xunit.Abstractions;

namespace Outbox.EntityFrameworkCore.Tests.Sql;

/// <summary>
/// Every statement the SQL Server dialect produces, built from a real EF Core SQL Server model (no
/// server: the model and the CREATE script need none) and parsed by Microsoft's T-SQL parser
/// (ScriptDom, SQL Server 2022 grammar). So a syntax error fails here, where no SQL Server runs,
/// not first on a server. Beyond syntax: every variable used is a parameter or declared, every
/// parameter is used, no OUTPUT without INTO (refused on a table with triggers), and every read of
/// the table in a claim skips locked rows (READPAST). Each statement is printed.
/// </summary>
public sealed class SqlServerOutboxDialectTests(ITestOutputHelper output)
{
    private static readonly Guid[] Ids = [Guid.Parse("0196f1a4-8a39-7c1e-9a55-1c8d3f2b4e01"), Guid.Parse("0196f1a4-8a39-7c1e-9a55-1c8d3f2b4e02"), Guid.Parse("0196f1a4-8a39-7c1e-9a55-1c8d3f2b4e03")];
    private static readonly OutboxClaim Claim = new("relay-a", 10_000, TimeSpan.FromSeconds(12), PreserveKeyOrder: true);

    public static TheoryData<string> Statements() =>
    [
        "claim, key order", "claim, no key order",
        "outcomes: INIT (retry), COMPLETE, DEAD", "outcomes: delete-on-complete",
        "outcomes and claim", "outcomes and claim, delete-on-complete, no key order",
        "delete finished: COMPLETE", "delete finished: DEAD",
        "confirm: update", "confirm: delete",
        "requeue", "summary", "backlog", "list dead", "get message", "insert (ADO.NET staging)",
        "claim, schema-qualified table with a bracket in its name",
        "heads claim (a window full of blocked rows)",
        "admit owned (direct sends), with outcomes", "admit owned, delete-on-complete", "release owned",
    ];

    [Theory]
    [MemberData(nameof(Statements))]
    public void Statement_ParsesAsTSqlWithEveryVariableBound(string name)
    {
        using DbContext context = name.Contains("schema", StringComparison.Ordinal) ? new SchemaContext() : SqlServerContext();
        var dialect = (SqlServerOutboxDialect)OutboxSqlDialect.For(context.Database.ProviderName);
        OutboxTable table = OutboxTable.From(context, dialect);

        OutboxStatement statement = Build(name, dialect, table).Should().ContainSingle("SQL Server runs a bookkeeping call as one script").Subject;

        output.WriteLine($"-- {name}; parameters: {string.Join(", ", statement.Parameters.Select(p => $"@{p.Name} = {p.Value}"))}");
        output.WriteLine(statement.Text);
        TSqlFragment script = Parse(statement.Text);
        var variables = new VariableCollector();
        script.Accept(variables);
        string[] parameters = statement.Parameters.Select(p => "@" + p.Name).ToArray();
        variables.Used.Except(variables.Declared, StringComparer.OrdinalIgnoreCase).Should().BeEquivalentTo(parameters, "every variable is a parameter or declared, and every parameter is used");
        variables.OutputWithoutInto.Should().Be(0, "OUTPUT without INTO fails on a table with triggers");
        variables.UnhintedAliasedReads.Should().BeEmpty("a claim reads the table only with READPAST (never waits for an uncommitted insert)");

        // Each value has an EF Core SQL Server type mapping (as the store creates them).
        var mappings = new OutboxParameters(context.GetService<IRelationalTypeMappingSource>());
        using var command = new SqlCommand();
        statement.Parameters.Select(p => mappings.Create(command, p)).Should().AllBeOfType<SqlParameter>();
    }

    [Fact]
    public void CreateScript_FromTheEfCoreSqlServerModel_ParsesWithTheSequenceAndFilteredIndexes()
    {
        using DbContext context = SqlServerContext();

        string script = context.Database.GenerateCreateScript();

        output.WriteLine(script);
        Parse(script);
        script.Should().Contain("CREATE SEQUENCE [outbox_messages_seq]")
            .And.Contain("DEFAULT (NEXT VALUE FOR [outbox_messages_seq])")
            .And.Contain("WHERE status < 2 AND published_at IS NOT NULL");
    }

    [Fact]
    public void Claim_AskedForMoreThanTheLimit_TakesAtMostOneThousandRows()
    {
        using DbContext context = SqlServerContext();
        var dialect = new SqlServerOutboxDialect();

        OutboxStatement statement = dialect.Bookkeeping(OutboxTable.From(context, dialect), [], Claim with { BatchSize = 10_000 }, deleteCompleted: false, relaxedCommit: true).Single();

        statement.Parameters.Single(p => p.Name == "batch").Value.Should().Be(1_000, "a claim's UPDATE stays under SQL Server's 5,000-lock escalation threshold");
    }

    [Theory]
    [InlineData(12_000L, 12_000L)]
    [InlineData(30L * 86_400_000, 30L * 86_400_000)] // 30 days: past int milliseconds, which DATEADD alone could not add
    [InlineData(long.MaxValue / 10_000, 700_000L * 86_400_000)] // TimeSpan.MaxValue: held at 700,000 days
    public void Duration_IsMillisecondsAsBigintHeldInsideTheDateRange(long milliseconds, long expected)
    {
        OutboxParameter parameter = new SqlServerOutboxDialect().Duration("d", TimeSpan.FromMilliseconds(milliseconds));

        parameter.Value.Should().Be(expected);
        parameter.Type.Should().Be<long>();
    }

    private static IReadOnlyList<OutboxStatement> Build(string name, SqlServerOutboxDialect dialect, OutboxTable t)
    {
        OutboxOutcome Outcome(int i, OutboxStatus status) => new(Ids[i], "relay-a", status, 1, TimeSpan.FromSeconds(status == OutboxStatus.Init ? 2 : 0), status == OutboxStatus.Complete ? null : "broker down");
        OutboxOutcome[] all = [Outcome(0, OutboxStatus.Init), Outcome(1, OutboxStatus.Complete), Outcome(2, OutboxStatus.Dead)];
        return name switch
        {
            "claim, key order" or "claim, schema-qualified table with a bracket in its name" => dialect.Bookkeeping(t, [], Claim, deleteCompleted: false, relaxedCommit: true),
            "heads claim (a window full of blocked rows)" => dialect.HeadsClaim(t, Claim, relaxedCommit: true),
            "claim, no key order" => dialect.Bookkeeping(t, [], Claim with { PreserveKeyOrder = false }, deleteCompleted: false, relaxedCommit: true),
            "outcomes: INIT (retry), COMPLETE, DEAD" => dialect.Bookkeeping(t, all, null, deleteCompleted: false, relaxedCommit: true),
            "outcomes: delete-on-complete" => dialect.Bookkeeping(t, all, null, deleteCompleted: true, relaxedCommit: true),
            "outcomes and claim" => dialect.Bookkeeping(t, all, Claim, deleteCompleted: false, relaxedCommit: false),
            "outcomes and claim, delete-on-complete, no key order" => dialect.Bookkeeping(t, all, Claim with { PreserveKeyOrder = false }, deleteCompleted: true, relaxedCommit: false),
            "delete finished: COMPLETE" => [dialect.DeleteFinished(t, OutboxStatus.Complete, TimeSpan.FromDays(1), 5_000)],
            "delete finished: DEAD" => [dialect.DeleteFinished(t, OutboxStatus.Dead, TimeSpan.FromDays(14), 100)],
            "confirm: update" => [dialect.Confirm(t, Ids, deleteCompleted: false)],
            "confirm: delete" => [dialect.Confirm(t, Ids, deleteCompleted: true)],
            "requeue" => [dialect.Requeue(t, Ids)],
            "summary" => [OutboxSqlDialect.Summary(t)],
            "backlog" => [dialect.Backlog(t)],
            "list dead" => [dialect.ListDead(t, 100)],
            "get message" => [OutboxSqlDialect.GetMessage(t, Ids[0])],
            "insert (ADO.NET staging)" => [OutboxSqlDialect.Insert(t, new OutboxMessage { Id = Ids[0], Topic = "orders", Key = "k", Type = "OrderPlaced", Payload = [1], Headers = "{}" })],
            "admit owned (direct sends), with outcomes" => dialect.AdmitOwned(t, all, new OutboxOwnedClaim("relay-a", Ids), deleteCompleted: false, relaxedCommit: true),
            "admit owned, delete-on-complete" => dialect.AdmitOwned(t, all, new OutboxOwnedClaim("relay-a", Ids), deleteCompleted: true, relaxedCommit: false),
            "release owned" => [dialect.ReleaseOwned(t, "relay-a", Ids, relaxedCommit: true)],
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
        };
    }

    private static TSqlFragment Parse(string sql)
    {
        var parser = new TSql160Parser(initialQuotedIdentifiers: true);
        using var reader = new StringReader(sql);
        TSqlFragment fragment = parser.Parse(reader, out IList<ParseError> errors);
        errors.Select(e => $"line {e.Line}, column {e.Column}: {e.Message}").Should().BeEmpty();
        return fragment;
    }

    // A connection string, never opened: the model, the type mappings and the CREATE script need no server.
    private const string NoServer = "Server=127.0.0.1,1;Database=outbox;User Id=sa;Password=unused;TrustServerCertificate=True";

    private static TestDbContext SqlServerContext() => new(new DbContextOptionsBuilder<TestDbContext>().UseSqlServer(NoServer).Options);

    /// <summary>The outbox in a schema, under a name that needs quoting.</summary>
    private sealed class SchemaContext() : DbContext(new DbContextOptionsBuilder<SchemaContext>().UseSqlServer(NoServer).Options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.AddOutboxMessages(o =>
        {
            o.Schema = "ops";
            o.TableName = "outbox]messages";
        });
    }

    /// <summary>Variables used and declared, OUTPUT clauses without INTO, and aliased table reads without READPAST.</summary>
    private sealed class VariableCollector : TSqlFragmentVisitor
    {
        private readonly HashSet<VariableReference> procedureParameterNames = [];

        public HashSet<string> Used { get; } = new(StringComparer.OrdinalIgnoreCase);

        public HashSet<string> Declared { get; } = new(StringComparer.OrdinalIgnoreCase);

        public int OutputWithoutInto { get; private set; }

        public List<string> UnhintedAliasedReads { get; } = [];

        public override void ExplicitVisit(ExecuteParameter node)
        {
            if (node.Variable is not null)
            {
                procedureParameterNames.Add(node.Variable); // "@Resource" in "EXEC sp_getapplock @Resource = @lock": a name, not a variable
            }

            base.ExplicitVisit(node);
        }

        public override void Visit(VariableReference node)
        {
            if (!procedureParameterNames.Contains(node))
            {
                Used.Add(node.Name);
            }
        }

        public override void Visit(DeclareVariableElement node) => Declared.Add(node.VariableName.Value);

        public override void Visit(DeclareTableVariableBody node) => Declared.Add(node.VariableName.Value);

        public override void Visit(OutputClause node) => OutputWithoutInto++;

        public override void Visit(NamedTableReference node)
        {
            if (node.Alias is not null && !node.TableHints.Any(h => h.HintKind == TableHintKind.ReadPast))
            {
                UnhintedAliasedReads.Add(node.Alias.Value);
            }
        }
    }
}
