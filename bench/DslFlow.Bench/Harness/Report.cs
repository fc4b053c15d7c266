using System.Globalization;
using System.Text;

namespace DslFlow.Bench.Harness;

/// <summary>Named figures of one scenario, printed as a table and written as a flat JSON object.</summary>
internal sealed class Report
{
    private readonly List<(string Name, double Value)> _figures = [];

    public void Add(string name, double value) => _figures.Add((name, value));

    public void Print()
    {
        Console.WriteLine();
        foreach ((string name, double value) in _figures)
        {
            Console.WriteLine($"{name,-44} {value.ToString(value >= 1000 ? "N0" : "0.###", CultureInfo.InvariantCulture),20}");
        }
    }

    public string Write(string scenario)
    {
        Directory.CreateDirectory("BenchmarkResults");
        string path = Path.Combine("BenchmarkResults", scenario + ".json");
        var json = new StringBuilder("{\n");
        for (int i = 0; i < _figures.Count; i++)
        {
            string value = _figures[i].Value.ToString("0.####", CultureInfo.InvariantCulture);
            json.Append($"  \"{_figures[i].Name}\": {value}{(i + 1 < _figures.Count ? "," : "")}\n");
        }
        File.WriteAllText(path, json.Append("}\n").ToString());
        return Path.GetFullPath(path);
    }
}
