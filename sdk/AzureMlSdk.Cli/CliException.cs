namespace AzureMlSdk.Cli;

/// <summary>A usage error found by the tool itself (a flag combination, a missing argument): exit code 2, one line on stderr.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>Exit codes, as az: 0 ok, 1 the command failed, 2 the command line is wrong.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
}
