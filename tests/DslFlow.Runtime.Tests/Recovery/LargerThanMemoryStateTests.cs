using System.Diagnostics;
using DslFlow.Runtime.Tests.Checkpointing;
using DslFlow.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace DslFlow.Runtime.Tests.Recovery;

/// <summary>
/// RocksDB keyed state several times larger than the process's configured RocksDB memory (16 MiB of cache and write
/// buffers, about 85 MB of values), written by one child process and checked value by value by another after a restore
/// (<c>DslFlow.ProcessHarness large-state</c>). Memory figures are reported, not asserted: the bench measures them.
/// </summary>
public sealed class LargerThanMemoryStateTests(ITestOutputHelper output)
{
    private const int Keys = 400_000;

    [Fact]
    public async Task State_several_times_the_rocksdb_memory_restores_in_a_new_process_with_every_value()
    {
        using var work = new TempCheckpointDirectory();

        string written = await RunAsync(work.Path, "write");
        string checkedRun = await RunAsync(work.Path, "verify");

        Assert.Contains("finished", written);
        Assert.Contains($"checked {Keys} wrong 0", checkedRun);
        Assert.Contains("started restored=", checkedRun);
        Assert.DoesNotContain("started restored=none", checkedRun);
    }

    private async Task<string> RunAsync(string work, string phase)
    {
        using Process child = HarnessProcess.Start("large-state", work, phase, Keys.ToString());
        Task<string> stdout = child.StandardOutput.ReadToEndAsync();
        Task<string> stderr = child.StandardError.ReadToEndAsync();
        await child.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        output.WriteLine($"{phase}: {await stdout}");
        Assert.True(child.ExitCode == 0, $"the {phase} run exited with {child.ExitCode}: {await stdout} {await stderr}");
        return await stdout;
    }
}
