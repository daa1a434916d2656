namespace AzureMlSdk;

/// <summary>The words az ml YAML uses for the enums of jobs and assets, both ways.</summary>
internal static class YamlNames
{
    public static readonly IReadOnlyDictionary<string, InputType> InputTypes = new Dictionary<string, InputType>(StringComparer.Ordinal)
    {
        ["string"] = InputType.String,
        ["integer"] = InputType.Integer,
        ["number"] = InputType.Number,
        ["boolean"] = InputType.Boolean,
        ["uri_file"] = InputType.UriFile,
        ["uri_folder"] = InputType.UriFolder,
        ["mltable"] = InputType.MLTable,
        ["custom_model"] = InputType.CustomModel,
        ["mlflow_model"] = InputType.MLFlowModel,
        ["triton_model"] = InputType.TritonModel,
    };

    public static readonly IReadOnlyDictionary<string, InputType> DataInputTypes =
        InputTypes.Where(t => !Input.IsLiteralType(t.Value)).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);

    public static readonly IReadOnlyDictionary<string, OutputType> OutputTypes = new Dictionary<string, OutputType>(StringComparer.Ordinal)
    {
        ["uri_folder"] = OutputType.UriFolder,
        ["uri_file"] = OutputType.UriFile,
        ["mltable"] = OutputType.MLTable,
        ["custom_model"] = OutputType.CustomModel,
        ["mlflow_model"] = OutputType.MLFlowModel,
        ["triton_model"] = OutputType.TritonModel,
    };

    public static readonly IReadOnlyDictionary<string, InputMode> InputModes = new Dictionary<string, InputMode>(StringComparer.Ordinal)
    {
        ["ro_mount"] = InputMode.ReadOnlyMount,
        ["rw_mount"] = InputMode.ReadWriteMount,
        ["download"] = InputMode.Download,
        ["direct"] = InputMode.Direct,
        ["eval_mount"] = InputMode.EvalMount,
        ["eval_download"] = InputMode.EvalDownload,
    };

    public static readonly IReadOnlyDictionary<string, OutputMode> OutputModes = new Dictionary<string, OutputMode>(StringComparer.Ordinal)
    {
        ["rw_mount"] = OutputMode.ReadWriteMount,
        ["upload"] = OutputMode.Upload,
        ["direct"] = OutputMode.Direct,
    };

    public static string Of(InputType type) => InputTypes.First(t => t.Value == type).Key;

    public static string Of(OutputType type) => OutputTypes.First(t => t.Value == type).Key;

    public static string Of(InputMode mode) => InputModes.First(t => t.Value == mode).Key;

    public static string Of(OutputMode mode) => OutputModes.First(t => t.Value == mode).Key;
}
