namespace AzureMlSdk;

/// <content>What the workspace records about a created version.</content>
public sealed partial class DataAsset
{
    private string? _id;
    private DateTimeOffset? _createdAt;
    private bool _isArchived;

    /// <summary>The workspace's id of this version (an ARM resource id on Azure ML and the Emulator, <c>azureml:name:version</c> locally); null until created.</summary>
    public string? Id { get => _id; internal init => _id = value; }

    /// <summary>When this version was created; null until created.</summary>
    public DateTimeOffset? CreatedAt { get => _createdAt; internal init => _createdAt = value; }

    /// <summary>Whether this version is archived (hidden from listings and from the <c>latest</c> label).</summary>
    public bool IsArchived { get => _isArchived; internal init => _isArchived = value; }

    /// <summary>A copy of this stored definition carrying what the workspace recorded.</summary>
    internal DataAsset Stamped(string id, DateTimeOffset createdAt, bool isArchived)
    {
        var copy = (DataAsset)MemberwiseClone();
        copy._id = id;
        copy._createdAt = createdAt;
        copy._isArchived = isArchived;
        return copy;
    }
}

/// <content>What the workspace records about a created version.</content>
public sealed partial class EnvironmentAsset
{
    private string? _id;
    private DateTimeOffset? _createdAt;
    private bool _isArchived;

    /// <summary>The workspace's id of this version (an ARM resource id on Azure ML and the Emulator, <c>azureml:name:version</c> locally); null until created.</summary>
    public string? Id { get => _id; internal init => _id = value; }

    /// <summary>When this version was created; null until created.</summary>
    public DateTimeOffset? CreatedAt { get => _createdAt; internal init => _createdAt = value; }

    /// <summary>Whether this version is archived (hidden from listings and from the <c>latest</c> label).</summary>
    public bool IsArchived { get => _isArchived; internal init => _isArchived = value; }

    /// <summary>A copy of this stored definition carrying what the workspace recorded.</summary>
    internal EnvironmentAsset Stamped(string id, DateTimeOffset createdAt, bool isArchived)
    {
        var copy = (EnvironmentAsset)MemberwiseClone();
        copy._id = id;
        copy._createdAt = createdAt;
        copy._isArchived = isArchived;
        return copy;
    }
}

/// <content>What the workspace records about a created version.</content>
public sealed partial class CommandComponent
{
    private string? _id;
    private DateTimeOffset? _createdAt;
    private bool _isArchived;

    /// <summary>The workspace's id of this version (an ARM resource id on Azure ML and the Emulator, <c>azureml:name:version</c> locally); null until created.</summary>
    public string? Id { get => _id; internal init => _id = value; }

    /// <summary>When this version was created; null until created.</summary>
    public DateTimeOffset? CreatedAt { get => _createdAt; internal init => _createdAt = value; }

    /// <summary>Whether this version is archived (hidden from listings and from the <c>latest</c> label).</summary>
    public bool IsArchived { get => _isArchived; internal init => _isArchived = value; }

    /// <summary>A copy of this stored definition carrying what the workspace recorded.</summary>
    internal CommandComponent Stamped(string id, DateTimeOffset createdAt, bool isArchived)
    {
        var copy = (CommandComponent)MemberwiseClone();
        copy._id = id;
        copy._createdAt = createdAt;
        copy._isArchived = isArchived;
        return copy;
    }
}
