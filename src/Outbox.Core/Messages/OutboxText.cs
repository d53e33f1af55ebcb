using System.Text;

namespace Outbox.Messages;

/// <summary>
/// Text the databases and Kafka take as it is: no NUL (PostgreSQL refuses it in text, librdkafka
/// ends a header name there) and no lone UTF-16 surrogate (it has no UTF-8 form; Npgsql refuses it).
/// </summary>
internal static class OutboxText
{
    /// <summary>Gets whether <paramref name="value"/> has no NUL and no lone surrogate.</summary>
    public static bool IsWellFormed(string value) => FirstProblem(value) is null;

    /// <summary>Describes the first character of <paramref name="value"/> that cannot be stored or sent, or <see langword="null"/>.</summary>
    public static string? FirstProblem(string value)
    {
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c == '\0')
            {
                return $"a NUL character at position {i}";
            }

            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return $"a lone UTF-16 surrogate (U+{(int)c:X4}) at position {i}, which has no UTF-8 form";
            }
        }

        return null;
    }

    /// <summary>
    /// Makes an error text storable whatever it holds: NUL removed, lone surrogates replaced by
    /// U+FFFD, cut to <see cref="OutboxMessage.MaxLastErrorLength"/> without splitting a surrogate pair.
    /// </summary>
    public static string? ForStorage(string? error)
    {
        if (error is null)
        {
            return null;
        }

        if (error.Length <= OutboxMessage.MaxLastErrorLength && IsWellFormed(error))
        {
            return error;
        }

        var text = new StringBuilder(Math.Min(error.Length, OutboxMessage.MaxLastErrorLength));
        for (int i = 0; i < error.Length && text.Length < OutboxMessage.MaxLastErrorLength; i++)
        {
            char c = error[i];
            if (c == '\0')
            {
                continue;
            }

            if (char.IsHighSurrogate(c) && i + 1 < error.Length && char.IsLowSurrogate(error[i + 1]))
            {
                if (text.Length + 2 > OutboxMessage.MaxLastErrorLength)
                {
                    break;
                }

                text.Append(c).Append(error[++i]);
            }
            else
            {
                text.Append(char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }

        return text.ToString();
    }
}
