using System.CommandLine;
using System.CommandLine.Parsing;
using AzureMlSdk.Cli.Commands;
using AzureMlSdk.Cli.Output;

namespace AzureMlSdk.Cli;

/// <summary>The <c>azml</c> command tree and its runner: parse, report usage errors (exit 2) with the closest flag, run, print, map errors (exit 1).</summary>
internal static class AzmlApp
{
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("azml: az ml v2's commands and YAML on any AzureMlSdk workspace — the local one (default), the Emulator, or Azure ML.");
        foreach (var option in GlobalOptions.All)
        {
            root.Options.Add(option);
        }
        root.Subcommands.Add(WorkspaceCommands.Build());
        root.Subcommands.Add(ModelCommands.Build());
        root.Subcommands.Add(ExperimentCommands.Build());
        root.Subcommands.Add(RunCommands.Build());
        root.Subcommands.Add(JobCommands.BuildJob());
        root.Subcommands.Add(JobCommands.BuildCompute());
        foreach (var command in AssetCommands.Build())
        {
            root.Subcommands.Add(command);
        }
        foreach (var command in EndpointCommands.Build())
        {
            root.Subcommands.Add(command);
        }
        root.Subcommands.Add(StudioCommand.Build());
        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var root = BuildRoot();
        var parse = root.Parse(args);
        var config = new InvocationConfiguration { Output = output, Error = error };
        if (parse.Errors.Count > 0)
        {
            var command = parse.CommandResult.Command;
            if (command.Subcommands.Count > 0 && command.Action is null && parse.UnmatchedTokens.Count == 0 && parse.Errors.All(e => e.SymbolResult is CommandResult))
            {
                // A group without its subcommand (`azml model`): its help, as az prints it.
                return await root.Parse([.. args, "--help"]).InvokeAsync(config).ConfigureAwait(false);
            }
            error.WriteLine("ERROR: " + Suggestions.Describe(parse));
            return ExitCodes.Usage;
        }
        return await parse.InvokeAsync(config).ConfigureAwait(false);
    }

    /// <summary>Sets a command's action: open the workspace when asked, run, print the result, map errors to one line and an exit code.</summary>
    public static void SetHandler(this Command command, Func<CliContext, Task<CliResult>> body) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            var config = parse.InvocationConfiguration;
            var output = config.Output;
            var error = config.Error;
            var format = parse.GetValue(GlobalOptions.Output) ?? "json";
            var query = parse.GetValue(GlobalOptions.Query);
            try
            {
                OutputWriter.Validate(format, query);
            }
            catch (UsageException ex)
            {
                error.WriteLine("ERROR: " + ex.Message);
                return ExitCodes.Usage;
            }
            var feedback = new Feedback(error, parse.GetValue(GlobalOptions.OnlyShowErrors), terminal: !Console.IsErrorRedirected && ReferenceEquals(error, Console.Error));
            await using var context = new CliContext(parse, feedback, cancellationToken);
            try
            {
                var result = await body(context).ConfigureAwait(false);
                await context.DisposeAsync().ConfigureAwait(false);
                OutputWriter.Write(result, format, query, output);
                return ExitCodes.Ok;
            }
            catch (UsageException ex)
            {
                error.WriteLine("ERROR: " + OneLine(ex.Message));
                return ExitCodes.Usage;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                error.WriteLine("ERROR: canceled.");
                return ExitCodes.Failed;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                error.WriteLine("ERROR: " + Describe(ex));
                return ExitCodes.Failed;
            }
        });

    /// <summary>One line: the service's code in parentheses (as az prints it), the message, the request id when there is one.</summary>
    public static string Describe(Exception ex) => ex switch
    {
        AzureMlException a => $"({a.ErrorCode}) {OneLine(a.Message)}" + (a.RequestId is { } id ? $" (request id: {id})" : ""),
        _ => OneLine(ex.Message),
    };

    public static string OneLine(string message) =>
        string.Join("; ", message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

/// <summary>What a running command has: its arguments, feedback, the workspace (opened on first use, disposed at the end).</summary>
internal sealed class CliContext(ParseResult parse, Feedback feedback, CancellationToken cancellationToken) : IAsyncDisposable
{
    private Workspace? _workspace;

    public ParseResult Parse { get; } = parse;

    public Feedback Feedback { get; } = feedback;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    public T? Get<T>(Option<T> option) => Parse.GetValue(option);

    public T? Get<T>(Argument<T> argument) => Parse.GetValue(argument);

    public async Task<Workspace> WorkspaceAsync()
    {
        if (_workspace is not null)
        {
            return _workspace;
        }
        try
        {
            return _workspace = await WorkspaceSelector.OpenAsync(new WorkspaceArguments(
                Parse.GetValue(GlobalOptions.WorkspaceDir),
                Parse.GetValue(GlobalOptions.Config),
                Parse.GetValue(GlobalOptions.WorkspaceName),
                Parse.GetValue(GlobalOptions.ResourceGroup),
                Parse.GetValue(GlobalOptions.Subscription)), CancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not (UsageException or OperationCanceledException or OutOfMemoryException) && !ex.Message.Contains(WorkspaceSelector.HowToPick, StringComparison.Ordinal))
        {
            // The workspace could not be opened: say so, and how to pick another one.
            var message = $"Could not open the workspace: {AzmlApp.OneLine(ex.Message)} {WorkspaceSelector.HowToPick}";
            throw ex is AzureMlException a ? new AzureMlException(message, a.ErrorCode, a.Status, a.RequestId, ex) : new AzureMlException(message, innerException: ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_workspace is { } ws)
        {
            _workspace = null;
            await ws.DisposeAsync().ConfigureAwait(false);
        }
    }
}
