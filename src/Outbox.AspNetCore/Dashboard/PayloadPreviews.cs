using System.Text;
using System.Text.Unicode;

namespace Outbox.AspNetCore.Dashboard;

/// <summary>Cuts a payload to its first bytes for the message view: UTF-8 text when those bytes are valid UTF-8 (a multi-byte character cut at the end is left out), base64 otherwise.</summary>
internal static class PayloadPreviews
{
    public const string Text = "utf-8";
    public const string Binary = "base64";

    public static PayloadPreview Create(byte[] payload, int limit)
    {
        ReadOnlySpan<byte> preview = payload.AsSpan(0, Math.Min(payload.Length, limit));
        bool truncated = preview.Length < payload.Length;
        ReadOnlySpan<byte> text = preview;
        if (truncated)
        {
            // Drop at most one character (up to 3 bytes) that the cut split.
            for (int drop = 0; drop <= 3 && drop <= preview.Length; drop++)
            {
                if (Utf8.IsValid(preview[..^drop]))
                {
                    text = preview[..^drop];
                    break;
                }
            }
        }

        return Utf8.IsValid(text) && !HasControlCharacters(text)
            ? new PayloadPreview(payload.Length, text.Length, truncated, Text, Encoding.UTF8.GetString(text))
            : new PayloadPreview(payload.Length, preview.Length, truncated, Binary, Convert.ToBase64String(preview));
    }

    /// <summary>Binary data that happens to be valid UTF-8 (zeros, say) is shown as base64 too; tabs and line breaks are text.</summary>
    private static bool HasControlCharacters(ReadOnlySpan<byte> text)
    {
        foreach (byte b in text)
        {
            if (b < 0x20 && b is not ((byte)'\t' or (byte)'\n' or (byte)'\r'))
            {
                return true;
            }
        }

        return false;
    }
}
