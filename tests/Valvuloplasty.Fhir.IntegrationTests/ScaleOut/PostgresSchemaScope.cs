using Microsoft.Extensions.Options;
using Npgsql;
using Valvuloplasty.Fhir.Data.Feedback;
using Valvuloplasty.Fhir.IntegrationTests.Feedback;

namespace Valvuloplasty.Fhir.IntegrationTests.ScaleOut;

/// <summary>A fresh PostgreSQL schema for one test (dropped afterwards); the test skips, saying why, without PostgreSQL.</summary>
public sealed class PostgresSchemaScope : IAsyncDisposable
{
    private PostgresSchemaScope(string connectionString, string schema)
    {
        ConnectionString = connectionString;
        Schema = schema;
    }

    public string ConnectionString { get; }

    public string Schema { get; }

    public IOptions<FeedbackStoreOptions> Options => Microsoft.Extensions.Options.Options.Create(
        new FeedbackStoreOptions { PostgresConnectionString = ConnectionString, PostgresSchema = Schema });

    public static PostgresSchemaScope Create()
    {
        var connectionString = Environment.GetEnvironmentVariable(FeedbackStoreTests.PostgresVariable);
        Assert.SkipWhen(string.IsNullOrWhiteSpace(connectionString),
            $"Shared-state tests need PostgreSQL: set {FeedbackStoreTests.PostgresVariable} (a Npgsql connection string); .ci/run sets it.");
        return new PostgresSchemaScope(connectionString!, $"t_{Guid.NewGuid():N}");
    }

    public async Task<long> CountAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql.Replace("{schema}", $"\"{Schema}\"", StringComparison.Ordinal), connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{Schema}\" CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
