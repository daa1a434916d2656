using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace AzureMlSdk.Emulator.Arm;

/// <summary>
/// Named documents of one kind kept in a workspace folder, one JSON file each (written whole to a temporary file, then moved),
/// cached in memory. Callers get copies; changes go through <see cref="Change{TResult}"/>, which checks and writes under one lock.
/// A file that cannot be read is set aside as <c>*.unreadable</c> rather than lost or retried at every start.
/// </summary>
internal abstract class JsonDocumentStore<T> where T : class
{
    private readonly string _folder;
    private readonly JsonTypeInfo<T> _type;
    private readonly Func<T, string> _nameOf;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, T> _documents = new(StringComparer.OrdinalIgnoreCase);

    protected JsonDocumentStore(string folder, JsonTypeInfo<T> type, Func<T, string> nameOf)
    {
        _folder = folder;
        _type = type;
        _nameOf = nameOf;
        if (!Directory.Exists(_folder))
        {
            return;
        }
        foreach (var file in Directory.EnumerateFiles(_folder, "*.json"))
        {
            T? document;
            try
            {
                document = JsonSerializer.Deserialize(File.ReadAllText(file), _type);
            }
            catch (JsonException)
            {
                File.Move(file, file + ".unreadable", overwrite: true);
                continue;
            }
            if (document is not null && _nameOf(document) is { Length: > 0 } name)
            {
                _documents[name] = Normalize(document);
            }
        }
    }

    /// <summary>True when <paramref name="folder"/> holds documents.</summary>
    protected static bool HasAnyIn(string folder) => Directory.Exists(folder) && Directory.EnumerateFiles(folder, "*.json").Any();

    /// <summary>Fixes up a document read from disk (e.g. case-insensitive dictionaries).</summary>
    protected virtual T Normalize(T document) => document;

    /// <summary>Copies of every document, by name.</summary>
    public IReadOnlyList<T> List()
    {
        lock (_gate)
        {
            return _documents.Values.OrderBy(_nameOf, StringComparer.OrdinalIgnoreCase).Select(Copy).ToList();
        }
    }

    /// <summary>A copy of a document, or null.</summary>
    public T? Get(string name)
    {
        lock (_gate)
        {
            return _documents.TryGetValue(name, out var document) ? Copy(document) : null;
        }
    }

    /// <summary>
    /// Reads, checks and changes one document atomically: <paramref name="change"/> gets a copy (null when absent) and returns the
    /// document to keep (null removes it) and a result. An exception leaves everything as it was.
    /// </summary>
    public TResult Change<TResult>(string name, Func<T?, (T? After, TResult Result)> change)
    {
        lock (_gate)
        {
            var before = _documents.TryGetValue(name, out var current) ? Copy(current) : null;
            var (after, result) = change(before);
            var file = Path.Combine(_folder, name.ToLowerInvariant() + ".json");
            if (after is null)
            {
                if (_documents.Remove(name) && File.Exists(file))
                {
                    File.Delete(file);
                }
                return result;
            }
            Directory.CreateDirectory(_folder);
            var temp = file + ".tmp";
            File.WriteAllText(temp, JsonSerializer.Serialize(after, _type));
            File.Move(temp, file, overwrite: true);
            _documents[_nameOf(after)] = Copy(after);
            return result;
        }
    }

    /// <summary>Changes a document that may have gone meanwhile (then nothing happens).</summary>
    public void Update(string name, Action<T> change) =>
        Change<bool>(name, d =>
        {
            if (d is null)
            {
                return (null, false);
            }
            change(d);
            return (d, true);
        });

    private T Copy(T document) => Normalize(JsonSerializer.Deserialize(JsonSerializer.Serialize(document, _type), _type)!);
}
