using Microsoft.Extensions.Options;

namespace Outbox.AspNetCore.Dashboard;

/// <summary>Checks each <see cref="OutboxDashboardOptions"/> option against its data annotations; the code is generated. <c>MapOutboxDashboard</c> runs it, then checks <see cref="OutboxDashboardOptions.ThroughputHistory"/> against the interval.</summary>
[OptionsValidator]
internal sealed partial class OutboxDashboardOptionsValidator : IValidateOptions<OutboxDashboardOptions>;
