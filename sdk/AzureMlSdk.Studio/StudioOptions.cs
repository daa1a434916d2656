namespace AzureMlSdk.Studio;

/// <summary>How <see cref="StudioServer.StartAsync"/> serves the studio.</summary>
public sealed class StudioOptions
{
    /// <summary>The port on 127.0.0.1; 0 (the default) picks a free one, printed in the ready line.</summary>
    public int Port { get; set; }

    /// <summary>
    /// The token every page and API requires (as <c>?token=</c> once, then a cookie; or <c>Authorization: Bearer</c>).
    /// Null (the default) makes a random 32-byte one.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>
    /// Where the ready line goes (<c>AzureMlSdk Studio listening on http://127.0.0.1:&lt;port&gt;/?token=&lt;token&gt;</c>), once the
    /// server listens. Null writes nothing (the line is also <see cref="StudioServer.ReadyLine"/>).
    /// </summary>
    public TextWriter? ReadyOutput { get; set; }

    /// <summary>How often pages of running runs get live updates (server-sent events). Default 1 second.</summary>
    public TimeSpan LiveUpdateInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>At most this many points per metric series reach the browser; longer series are downsampled with LTTB. Default 2,000.</summary>
    public int MaxChartPoints { get; set; } = 2000;

    /// <summary>Runs per page of the runs table. Default 100.</summary>
    public int RunsPageSize { get; set; } = 100;

    /// <summary>Whether downsampled series of finished runs are kept between requests (the benchmark turns it off to time cold reads).</summary>
    internal bool CacheSeries { get; set; } = true;

    /// <summary>Whether a run's page starts reading its charts' series as it is sent (the benchmark turns it off to show what that saves).</summary>
    internal bool ReadAhead { get; set; } = true;

    internal void Validate()
    {
        if (Port is < 0 or > 65535)
        {
            throw new InvalidInputException($"Port must be 0 (any free port) to 65535; got {Port}.", nameof(Port));
        }
        if (Token is not null && (Token.Length < 16 || Token.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_' and not '.' and not '~')))
        {
            throw new InvalidInputException("Token must be at least 16 characters of A-Z, a-z, 0-9, '-', '_', '.', '~' (it goes into a URL).", nameof(Token));
        }
        if (LiveUpdateInterval <= TimeSpan.Zero)
        {
            throw new InvalidInputException("LiveUpdateInterval must be positive.", nameof(LiveUpdateInterval));
        }
        if (MaxChartPoints < 10)
        {
            throw new InvalidInputException($"MaxChartPoints must be at least 10; got {MaxChartPoints}.", nameof(MaxChartPoints));
        }
        if (RunsPageSize is < 1 or > 10_000)
        {
            throw new InvalidInputException($"RunsPageSize must be 1 to 10000; got {RunsPageSize}.", nameof(RunsPageSize));
        }
    }
}
