using Microsoft.Extensions.Options;

namespace Outbox.PostgreSql;

/// <summary>Checks each <see cref="PostgreSqlLogTailingOptions"/> option against its data annotations; the code is generated. The host fails at start with what to fix.</summary>
[OptionsValidator]
internal sealed partial class PostgreSqlLogTailingOptionsValidator : IValidateOptions<PostgreSqlLogTailingOptions>;
