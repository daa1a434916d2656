namespace AzureMlSdk.Tests.Endpoints;

/// <summary>What a batch input names: files, folders and MLTable folders (paths, patterns, read_delimited settings), and what is refused.</summary>
public sealed class BatchInputsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("batch-inputs-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Write(string relative, string content)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void An_MLTable_folder_reads_its_paths_with_its_settings_and_names_rows_relative_to_it()
    {
        Write("t/a/x.tsv", "1\t2\n");
        Write("t/a/deep/y.tsv", "3\t4\n");
        Write("t/a/skip.csv", "no\n");
        Write("t/one.jsonl", "{}\n");
        Write("t/MLTable", "paths:\n  - pattern: ./a/**/*.tsv\n  - file: one.jsonl\ntransformations:\n  - read_delimited:\n      delimiter: \"\\t\"\n      header: no_header\n      empty_as_string: true\n      encoding: latin1\n  - drop_columns: [z]\n");

        var files = BatchInputs.Resolve(Path.Combine(_root, "t"));

        Assert.Equal(["a/deep/y.tsv", "a/x.tsv", "one.jsonl"], files.Select(f => f.Name));
        Assert.All(files, f => Assert.Equal(('\t', false, true), (f.Delimiter, f.Header, f.EmptyAsString)));
        Assert.Equal(System.Text.Encoding.Latin1, files[0].Encoding);
        Assert.Equal(files.Select(f => f.Path), BatchInputs.Resolve(Path.Combine(_root, "t", "MLTable")).Select(f => f.Path));
        Assert.Equal([Path.Combine(_root, "t", "MLTable"), .. files.Select(f => f.Path)], BatchInputs.FilesToSend(Path.Combine(_root, "t")));
        Assert.True(BatchInputs.IsMLTable(Path.Combine(_root, "t")));
        Assert.False(BatchInputs.IsMLTable(Path.Combine(_root, "t", "a")));
    }

    [Fact]
    public void From_first_file_headers_name_the_columns_of_the_other_files()
    {
        Write("h/1.csv", "a,b\n1,2\n");
        Write("h/2.csv", "3,4\n");
        Write("h/MLTable", "paths:\n  - folder: .\ntransformations:\n  - read_delimited:\n      header: from_first_file\n");

        var files = BatchInputs.Resolve(Path.Combine(_root, "h"));

        Assert.Equal([("1.csv", true), ("2.csv", false)], files.Select(f => (f.Name, f.Header)));
        Assert.Equal(["a", "b"], files[1].Columns!);
    }

    [Theory]
    [InlineData("paths:\n  - file: ./x.csv\ntransformations:\n  - read_parquet:\n      include_path_column: maybe\n", "include_path_column 'maybe'")]
    [InlineData("paths:\n  - file: ./x.csv\ntransformations:\n  - read_parquet:\n      path_column: p\n", "read_parquet setting 'path_column'")]
    [InlineData("paths:\n  - file: ./x.csv\ntransformations:\n  - take: 10\n", "'take'")]
    [InlineData("paths:\n  - file: ./nope.csv\n", "'./nope.csv', which does not exist")]
    [InlineData("paths:\n  - file: https://example.com/x.csv\n", "a remote path")]
    [InlineData("transformations:\n  - read_delimited: {}\n", "no 'paths'")]
    [InlineData("paths:\n  - pattern: ./*.none\n", "names no files")]
    [InlineData("paths: [\n", "not valid YAML")]
    [InlineData("paths:\n  - file: ./x.csv\ntransformations:\n  - read_delimited:\n      delimiter: ';;'\n", "one character")]
    public void A_bad_MLTable_is_refused_saying_why(string mltable, string expected)
    {
        Write("bad/x.csv", "a\n1\n");
        Write("bad/MLTable", mltable);

        var error = Assert.Throws<InvalidInputException>(() => BatchInputs.Resolve(Path.Combine(_root, "bad")));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_MLTable_reading_files_outside_its_folder_can_be_scored_here_but_not_uploaded()
    {
        Write("outside.csv", "a\n1\n");
        Write("m/MLTable", "paths:\n  - file: ../outside.csv\n");

        Assert.Equal("../outside.csv", Assert.Single(BatchInputs.Resolve(Path.Combine(_root, "m"))).Name);
        var error = Assert.Throws<InvalidInputException>(() => BatchInputs.FilesToSend(Path.Combine(_root, "m")));
        Assert.Contains("outside its folder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_read_parquet_MLTable_reads_its_folders_without_the_files_spark_leaves_beside_the_data()
    {
        Write("q/data/part-0.parquet", "");
        Write("q/data/y=2024/part-1.parquet", "");
        Write("q/data/_SUCCESS", "");
        Write("q/data/.part-0.parquet.crc", "");
        Write("q/extra.parquet", "");
        Write("q/MLTable", "paths:\n  - folder: ./data\n  - file: ./extra.parquet\ntransformations:\n  - read_parquet:\n      include_path_column: true\n");

        var files = BatchInputs.Resolve(Path.Combine(_root, "q"));

        Assert.Equal(["data/part-0.parquet", "data/y=2024/part-1.parquet", "extra.parquet"], files.Select(f => f.Name));
        Assert.All(files, f => Assert.Equal((BatchFileFormat.Parquet, true), (f.Format, f.IncludePathColumn)));
        Write("q/MLTable", "paths:\n  - pattern: ./data/*.parquet\ntransformations:\n  - read_parquet\n");
        Assert.Equal([("data/part-0.parquet", false)], BatchInputs.Resolve(Path.Combine(_root, "q")).Select(f => (f.Name, f.IncludePathColumn)));
    }

    [Fact]
    public void A_plain_folder_reads_its_csv_jsonl_and_parquet_files()
    {
        Write("p/b.jsonl", "{}\n");
        Write("p/a.csv", "a\n1\n");
        Write("p/c.parquet", "");
        Write("p/notes.txt", "x");

        Assert.Equal([("a.csv", BatchFileFormat.Delimited), ("b.jsonl", BatchFileFormat.JsonLines), ("c.parquet", BatchFileFormat.Parquet)], BatchInputs.Resolve(Path.Combine(_root, "p")).Select(f => (f.Name, f.Format)));
        Assert.Throws<InvalidInputException>(() => BatchInputs.Resolve(Path.Combine(_root, "p", "notes.txt")));
    }
}
