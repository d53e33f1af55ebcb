using Concert.Infrastructure.Persistence;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.SqlClient;
using Microsoft.EntityFrameworkCore;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace Outbox.Samples.Tests.Concert;

/// <summary>
/// <c>Database:Provider=SqlServer</c> starts the app on SQL Server. Where no SQL Server runs, the
/// path is checked up to the connection attempt: a missing connection string, and one whose server
/// does not answer, each stop the start with a message naming <c>ConnectionStrings:Concert</c>;
/// and the schema the app creates there parses as T-SQL.
/// </summary>
public sealed class SqlServerStartupTests
{
    [Fact]
    public void Schema_OnSqlServer_ParsesAsTSqlWithTheOutboxTable()
    {
        var options = new DbContextOptionsBuilder<ConcertDbContext>().UseConfiguredDatabase(
            new DatabaseOptions { Provider = DatabaseProvider.SqlServer },
            "Server=tcp:127.0.0.1,1;Database=concert;User Id=sa;Password=unused;TrustServerCertificate=True");
        using var db = new ConcertDbContext((DbContextOptions<ConcertDbContext>)options.Options);

        string script = db.Database.GenerateCreateScript(); // the model only: no connection is opened

        new TSql160Parser(initialQuotedIdentifiers: true).Parse(new StringReader(script), out IList<ParseError> errors);
        errors.Select(e => $"line {e.Line}: {e.Message}").Should().BeEmpty();
        script.Should().Contain("CREATE TABLE [seats]").And.Contain("CREATE TABLE [outbox_messages]");
    }

    [Fact]
    public void Start_SqlServerWithoutConnectionString_FailsNamingTheSetting()
    {
        using var app = new SqlServerConcertApp(connectionString: string.Empty);

        Action start = () => app.CreateClient();

        start.Should().Throw<InvalidOperationException>()
            .WithMessage("Database:Provider is SqlServer but ConnectionStrings:Concert is not set.*ConnectionStrings__Concert=*");
    }

    [Fact]
    public void Start_SqlServerThatDoesNotAnswer_FailsAtTheConnectionAttemptNamingTheSetting()
    {
        // Port 1 on the loopback: nothing listens, the connection is refused at once.
        using var app = new SqlServerConcertApp("Server=tcp:127.0.0.1,1;Database=concert;User Id=sa;Password=unused;Connect Timeout=3;TrustServerCertificate=True");

        Action start = () => app.CreateClient();

        start.Should().Throw<InvalidOperationException>()
            .WithMessage("Could not reach the SqlServer database set by ConnectionStrings:Concert (Database:Provider=SqlServer)*")
            .WithInnerException<SqlException>("the SQL Server provider tried to connect");
    }

    private sealed class SqlServerConcertApp(string connectionString) : ConcertApp
    {
        protected override void ConfigureDatabase(IWebHostBuilder builder)
        {
            builder.UseSetting("Database:Provider", "SqlServer");
            builder.UseSetting("ConnectionStrings:Concert", connectionString);
        }

        protected override Task DeleteDatabaseAsync() => Task.CompletedTask;
    }
}
