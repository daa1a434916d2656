using System.Text.Json;

namespace AzureMlSdk.Backends.Remote.Arm;

/// <summary>
/// A <c>PipelineJob</c> body through the jobs API's body type (<see cref="CommandJobProperties"/>; the pipeline's own fields travel in
/// <see cref="ArmJobBaseProperties.Extra"/>), and back: the one Refit interface sends and reads every job kind.
/// </summary>
internal static class ArmPipelineJobWire
{
    /// <summary>The pipeline body as the jobs API sends it.</summary>
    public static ArmResource<CommandJobProperties> ToWire(ArmResource<PipelineJobProperties> resource) =>
        JsonSerializer.Deserialize(JsonSerializer.Serialize(resource, ArmPipelineJobJsonContext.Default.ArmResourcePipelineJobProperties), ArmJobJsonContext.Default.ArmResourceCommandJobProperties)!;

    /// <summary>The pipeline body a <c>jobs/{id}</c> answer of <c>jobType: Pipeline</c> holds.</summary>
    public static ArmResource<PipelineJobProperties> FromWire(ArmResource<CommandJobProperties> resource) =>
        JsonSerializer.Deserialize(JsonSerializer.Serialize(resource, ArmJobJsonContext.Default.ArmResourceCommandJobProperties), ArmPipelineJobJsonContext.Default.ArmResourcePipelineJobProperties)!;

    /// <summary>Whether a <c>jobs/{id}</c> resource is a pipeline.</summary>
    public static bool IsPipeline(ArmResource<CommandJobProperties> resource) => string.Equals(resource.Properties?.JobType, "Pipeline", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The definition of a pipeline resource (<see cref="ArmPipelineJobMapping.FromArm"/>); a pipeline whose steps this SDK cannot read
    /// (e.g. a batch endpoint's scoring job) is shown with its common fields, inputs and outputs, and no steps.
    /// </summary>
    public static PipelineJob DefinitionOf(ArmResource<CommandJobProperties> resource)
    {
        var pipeline = FromWire(resource);
        try
        {
            return ArmPipelineJobMapping.FromArm(pipeline);
        }
        catch (Exception ex) when (ex is InvalidInputException or FormatException or JsonException or KeyNotFoundException)
        {
            var p = pipeline.Properties!;
            return new PipelineJob
            {
                Name = pipeline.Name,
                DisplayName = p.DisplayName,
                ExperimentName = p.ExperimentName,
                Description = p.Description,
                Tags = ArmJobMapping.NonNull(p.Tags),
                Properties = ArmJobMapping.NonNull(p.Properties),
            };
        }
    }
}
