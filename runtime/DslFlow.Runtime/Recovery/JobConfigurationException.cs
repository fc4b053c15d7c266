namespace DslFlow;

/// <summary>
/// A failure no restart can cure: a configuration error (a source directory that does not exist, a glob that matches
/// nothing) or a checkpoint the job refuses to restore (another job's, damaged past a committed sink, or holding state
/// the job no longer declares). The job fails at once instead of retrying with backoff (Flink's
/// <c>SuppressRestartsException</c>); the message says what is wrong and how to fix it.
/// </summary>
public class JobConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, where, and how to fix it.</param>
    /// <param name="inner">The exception that revealed it, if any.</param>
    public JobConfigurationException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    /// <summary>True when <paramref name="failure"/> or one of its inner exceptions is a <see cref="JobConfigurationException"/>.</summary>
    /// <param name="failure">A job failure.</param>
    public static bool IsIn(Exception? failure)
    {
        for (Exception? e = failure; e is not null; e = e.InnerException)
        {
            if (e is JobConfigurationException)
            {
                return true;
            }
            if (e is AggregateException aggregate && aggregate.InnerExceptions.Any(IsIn))
            {
                return true;
            }
        }
        return false;
    }
}
