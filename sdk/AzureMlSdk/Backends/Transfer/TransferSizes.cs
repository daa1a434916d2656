namespace AzureMlSdk.Backends.Transfer;

/// <summary>Expected byte counts of transfers, for progress percentages (null when they cannot be known up front).</summary>
internal static class TransferSizes
{
    /// <summary>The bytes still to read from <paramref name="content"/>, when it can tell.</summary>
    public static long? Remaining(Stream content)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (!content.CanSeek)
        {
            return null;
        }
        try
        {
            return Math.Max(0, content.Length - content.Position);
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>The bytes of a local model source (a file, or every file under a folder); null for other sources.</summary>
    public static long? Of(ModelSource? source)
    {
        try
        {
            return source switch
            {
                LocalModelSource local when File.Exists(local.Path) => new FileInfo(local.Path).Length,
                LocalModelSource local when Directory.Exists(local.Path) => Directory.EnumerateFiles(local.Path, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length),
                _ => null,
            };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null; // the transfer itself reports the problem
        }
    }
}
