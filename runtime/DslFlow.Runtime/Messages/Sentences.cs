namespace DslFlow.Messages;

/// <summary>
/// Ends the sentences of messages that wrap another text — an inner exception's message, a problem quoting one — whose
/// last character the wrapper does not control: .NET's own messages end with a full stop, many others do not.
/// </summary>
internal static class Sentences
{
    /// <summary><paramref name="text"/> with one full stop at its end: added unless it ends with one (or '!', '?') already.</summary>
    public static string End(string text)
    {
        string trimmed = text.TrimEnd();
        return trimmed.Length > 0 && trimmed[^1] is '.' or '!' or '?' ? trimmed : trimmed + ".";
    }
}
