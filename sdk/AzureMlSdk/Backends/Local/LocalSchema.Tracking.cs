namespace AzureMlSdk.Backends.Local;

internal static partial class LocalSchema
{
    // Owned by the tracking store (LocalTrackingStore).
    private const string TrackingDdl = "";
}
