using System.Diagnostics;

namespace DslFlow.Runtime.Tests.Support;

/// <summary>Starts <c>DslFlow.ProcessHarness</c>, built beside the tests, as a child process with redirected output.</summary>
internal static class HarnessProcess
{
    public static Process Start(params string[] arguments)
    {
        // bin/{Configuration}/{tfm}/ of the test project, mirrored for the harness project beside it.
        var output = new DirectoryInfo(AppContext.BaseDirectory);
        DirectoryInfo project = output.Parent!.Parent!.Parent!;
        string harness = Path.Combine(project.Parent!.FullName, "DslFlow.ProcessHarness",
            Path.GetRelativePath(project.FullName, output.FullName), "DslFlow.ProcessHarness.dll");
        Assert.True(File.Exists(harness), $"the harness is not built at {harness}");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(harness);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        return Process.Start(start) ?? throw new InvalidOperationException("the harness did not start");
    }
}
