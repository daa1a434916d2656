using AzureMlSdk.Cli;

return await AzmlApp.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
