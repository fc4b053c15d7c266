using DslFlow.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace DslFlow.Runtime.Tests.Serialization;

/// <summary>
/// State nested a million levels deep — a crafted file, one level per byte, or a long linked chain in state — must
/// fail with an exception, not overflow the stack: a stack overflow cannot be caught and kills the whole process, so
/// every restart would die the same way. It runs in a child process (<c>DslFlow.ProcessHarness deep-state</c>), since
/// an overflow here would take the test runner with it.
/// </summary>
public class StackOverflowChildProcessTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Reading_and_writing_state_nested_a_million_levels_deep_throws_instead_of_overflowing_the_stack()
    {
        using System.Diagnostics.Process child = HarnessProcess.Start("deep-state");
        Task<string> stdout = child.StandardOutput.ReadToEndAsync();
        Task<string> stderr = child.StandardError.ReadToEndAsync();
        try
        {
            await child.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2)); // a hang guard only
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill(entireProcessTree: true);
            }
        }
        string printed = await stdout, errors = await stderr;
        output.WriteLine(printed);
        output.WriteLine(errors.Length <= 2000 ? errors : errors[..2000] + "…");

        Assert.True(child.ExitCode == 0, $"the child exited with code {child.ExitCode} (a stack overflow aborts it): {errors[..Math.Min(errors.Length, 500)]}");
        Assert.Contains("read: StateFormatException", printed);
        Assert.Contains("write: InvalidOperationException", printed);
        // Within the limit on a 192 KB stack: read, or refused because the stack would not hold it — never a crash.
        Assert.Matches("small stack: (no exception|StateFormatException)", printed);
    }
}
