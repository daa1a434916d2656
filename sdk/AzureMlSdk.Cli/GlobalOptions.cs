using System.CommandLine;

namespace AzureMlSdk.Cli;

/// <summary>The options every command takes (az's global arguments plus workspace selection).</summary>
internal static class GlobalOptions
{
    public static readonly Option<string> Output = new("--output", "-o")
    {
        Description = "Output format: json, jsonc, table, tsv, yaml.",
        DefaultValueFactory = _ => "json",
        Recursive = true,
        HelpName = "format",
    };

    public static readonly Option<string?> Query = new("--query")
    {
        Description = "JMESPath query applied to the output (http://jmespath.org/).",
        Recursive = true,
        HelpName = "jmespath",
    };

    public static readonly Option<bool> OnlyShowErrors = new("--only-show-errors")
    {
        Description = "Only show errors: no progress, spinners or warnings.",
        Recursive = true,
    };

    public static readonly Option<string?> WorkspaceDir = new("--workspace-dir")
    {
        Description = "A local workspace folder (default: $AZUREML_LOCAL_DIR, else the config.json found upward, else ./.azureml/local).",
        Recursive = true,
        HelpName = "dir",
    };

    public static readonly Option<string?> Config = new("--config")
    {
        Description = "A config.json (or a folder to search from) naming the workspace.",
        Recursive = true,
        HelpName = "path",
    };

    public static readonly Option<string?> WorkspaceName = new("--workspace-name", "-w")
    {
        Description = "Azure ML workspace name (with --resource-group and --subscription).",
        Recursive = true,
    };

    public static readonly Option<string?> ResourceGroup = new("--resource-group", "-g")
    {
        Description = "Resource group of the workspace.",
        Recursive = true,
    };

    public static readonly Option<string?> Subscription = new("--subscription")
    {
        Description = "Subscription id of the workspace (default: config.json's, else $AZURE_SUBSCRIPTION_ID).",
        Recursive = true,
    };

    public static IEnumerable<Option> All =>
        [Output, Query, OnlyShowErrors, WorkspaceDir, Config, WorkspaceName, ResourceGroup, Subscription];
}
