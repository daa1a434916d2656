namespace AzureMlSdk;

/// <summary>The framework a model was built with.</summary>
public enum ModelFramework
{
    /// <summary>Anything else; scored by a custom scorer.</summary>
    Custom,
    /// <summary>An ONNX graph.</summary>
    Onnx,
    /// <summary>An ML.NET model (zip).</summary>
    MlNet,
}
