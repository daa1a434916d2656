using AzureMlSdk.Emulator;

EmulatorOptions options;
try
{
    if (args.Contains("--help") || args.Contains("-h"))
    {
        Console.WriteLine(EmulatorOptions.Usage);
        return 0;
    }
    options = EmulatorOptions.Parse(args, Environment.GetEnvironmentVariable);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync(ex.Message);
    await Console.Error.WriteLineAsync(EmulatorOptions.Usage);
    return 2;
}

await using var host = await EmulatorHost.StartAsync(options);
Console.WriteLine($"AzureMlSdk Emulator listening on {host.BaseAddress.AbsoluteUri.TrimEnd('/')}");
Console.Out.Flush();
await host.WaitForShutdownAsync();
return 0;
