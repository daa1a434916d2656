using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using AzureMlSdk.Backends.Local.Jobs;

namespace AzureMlSdk.Tests;

/// <summary>
/// Unit and contract tests run local jobs with an in-process supervisor (no detached job agent per test folder; the agent has its
/// own integration tests). Set before any test builds a workspace.
/// </summary>
internal static class InProcessJobs
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries", Justification = "A test assembly: every test of it wants in-process jobs.")]
    internal static void Use() => LocalJobLaunchers.Default = LocalJobLaunchers.InProcess;
}
