using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Http;

namespace Outbox.AspNetCore.Dashboard;

/// <summary>The page, script and style embedded in this assembly (<c>Assets/</c>), read once.</summary>
internal sealed class DashboardAssets
{
    public const string Script = "dashboard.js";
    public const string Style = "dashboard.css";

    /// <summary>Only the dashboard's own script, style and calls; no inline script, no framing (the requeue button cannot be clickjacked).</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private readonly string page = Read("dashboard.html");
    private readonly Dictionary<string, (byte[] Content, string ContentType, string ETag)> files = new(StringComparer.Ordinal)
    {
        [Script] = Load(Script, "text/javascript; charset=utf-8"),
        [Style] = Load(Style, "text/css; charset=utf-8"),
    };

    /// <summary>The page with its base path and settings filled in (HTML-encoded: the base path comes from the request).</summary>
    public string Page(string basePath, TimeSpan refreshInterval, bool allowRequeue) =>
        page.Replace("{{base}}", WebUtility.HtmlEncode(basePath), StringComparison.Ordinal)
            .Replace("{{refreshMs}}", ((long)refreshInterval.TotalMilliseconds).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{{allowRequeue}}", allowRequeue ? "true" : "false", StringComparison.Ordinal);

    public Task WriteAsync(HttpContext context, string name)
    {
        (byte[] content, string contentType, string etag) = files[name];
        HttpResponse response = context.Response;
        response.Headers.ETag = etag;
        response.Headers.CacheControl = "no-cache";
        response.Headers.XContentTypeOptions = "nosniff";
        if (context.Request.Headers.IfNoneMatch == etag)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.ContentType = contentType;
        response.ContentLength = content.Length;
        return response.Body.WriteAsync(content, context.RequestAborted).AsTask();
    }

    private static (byte[] Content, string ContentType, string ETag) Load(string name, string contentType)
    {
        byte[] content = System.Text.Encoding.UTF8.GetBytes(Read(name));
        string etag = "\"" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(content).AsSpan(0, 8)) + "\"";
        return (content, contentType, etag);
    }

    private static string Read(string name)
    {
        using Stream stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream("Outbox.AspNetCore.Assets." + name)
            ?? throw new InvalidOperationException($"The dashboard asset {name} is missing from {typeof(DashboardAssets).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
