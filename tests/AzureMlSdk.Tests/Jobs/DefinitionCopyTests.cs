using System.Collections;
using System.Reflection;
using AzureMlSdk.Backends.Local.Jobs;
using AzureMlSdk.Jobs.Pipeline;
using AzureMlSdk.Jobs.Yaml;

namespace AzureMlSdk.Tests.Jobs;

/// <summary>
/// The one copy of a <see cref="CommandJob"/>, a <see cref="SweepJob"/> and a <see cref="CommandComponent"/> (their copy constructors, which every "same
/// definition with X changed" goes through) carries every settable property: each is found by reflection and set to a value other than its
/// default, so a property added later that the copy forgets fails here.
/// </summary>
public sealed class DefinitionCopyTests
{
    /// <summary>What the workspace records about a stored component version: deliberately not carried by a copy (a copy is a new definition).</summary>
    private static readonly string[] ComponentStamps = [nameof(CommandComponent.Id), nameof(CommandComponent.CreatedAt), nameof(CommandComponent.IsArchived)];

    [Fact]
    public void A_command_job_copy_carries_every_property_and_owns_its_collections()
    {
        var original = Filled(new CommandJob(), []);

        AssertCarried(original, new CommandJob(original), []);
        AssertCarried(original, original.Clone(), []);
    }

    [Fact]
    public void A_command_component_copy_carries_every_property_but_the_workspace_stamps()
    {
        var original = Filled(new CommandComponent { Name = "n", Command = "c" }, ComponentStamps);

        AssertCarried(original, new CommandComponent(original), ComponentStamps);
    }

    [Fact]
    public void A_sweep_copy_carries_every_property_and_owns_its_collections()
    {
        var original = Filled(new SweepJob(), []);

        AssertCarried(original, new SweepJob(original), []);
        AssertCarried(original, SweepSteps.With(original, original.Trial, keepTrialComponent: true), []);
    }

    [Fact]
    public void A_copy_with_a_part_replaced_keeps_the_rest()
    {
        var original = Filled(new CommandComponent { Name = "n", Command = "c" }, ComponentStamps);

        var copy = new CommandComponent(original) { Version = "7" };

        Assert.Equal("7", copy.Version);
        AssertCarried(original, copy, [.. ComponentStamps, nameof(CommandComponent.Version)]);
    }

    [Fact]
    public void A_registered_component_bound_as_a_pipeline_step_keeps_every_part_but_takes_the_resolved_version()
    {
        // The step Local, Remote and the Emulator make of a registered component (azureml:name@latest resolved to a version). It used to be
        // rebuilt field by field, leaving out additional_includes and the YAML source map.
        var component = Filled(new CommandComponent { Name = "n", Command = "c" }, ComponentStamps);

        var step = PipelineJobExecutor.BindComponent("train", component, "7", new PipelineComponentJob { Component = "azureml:n:7" }, new PipelineJob());

        var bound = step.Component!;
        Assert.Equal("7", bound.Version);
        Assert.Equal(component.AdditionalIncludes, bound.AdditionalIncludes);
        Assert.Same(component.Source, bound.Source);
        AssertCarried(component, bound, [.. ComponentStamps, nameof(CommandComponent.Version)]);
    }

    /// <summary>The instance and internal properties with a setter (init included), base classes' too.</summary>
    private static List<PropertyInfo> Settable(Type type, string[] skipped)
    {
        var properties = type.GetProperties(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(p => p.SetMethod is { } set && (set.IsPublic || set.IsAssembly) && !skipped.Contains(p.Name))
            .ToList();
        Assert.True(properties.Count >= 15, $"{type.Name}: only {properties.Count} settable properties found");
        return properties;
    }

    /// <summary><paramref name="target"/> with every settable property set to a value its default is not.</summary>
    private static T Filled<T>(T target, string[] skipped)
        where T : class
    {
        var fresh = Activator.CreateInstance<T>();
        foreach (var property in Settable(typeof(T), skipped))
        {
            var value = property.PropertyType == typeof(bool) ? !(bool)property.GetValue(fresh)! : Sample(property.PropertyType, property.Name);
            property.SetValue(target, value);
            Assert.False(Same(property.GetValue(fresh), value), $"{property.Name}: the sample equals the default, so a dropped copy would go unnoticed");
        }
        return target;
    }

    private static void AssertCarried<T>(T original, T copy, string[] skipped)
    {
        foreach (var property in Settable(typeof(T), skipped))
        {
            var expected = property.GetValue(original);
            var actual = property.GetValue(copy);
            Assert.True(Same(expected, actual), $"{typeof(T).Name}.{property.Name} was not carried by the copy");
            if (expected is IEnumerable and not string)
            {
                Assert.False(ReferenceEquals(expected, actual), $"{typeof(T).Name}.{property.Name}: the copy shares the original's collection");
            }
        }
    }

    private static bool Same(object? a, object? b) => (a, b) switch
    {
        (IEnumerable x, IEnumerable y) when a is not string => x.Cast<object?>().SequenceEqual(y.Cast<object?>()),
        _ => Equals(a, b),
    };

    /// <summary>A non-default value of <paramref name="type"/>: one entry for a collection, an instance of a concrete kind for a class.</summary>
    private static object Sample(Type type, string name)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return "v-" + name;
        }
        if (type.IsEnum)
        {
            return Enum.GetValues(type).Cast<object>().Last();
        }
        if (type.IsValueType)
        {
            return Convert.ChangeType(7, type, System.Globalization.CultureInfo.InvariantCulture);
        }
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IDictionary<,>))
        {
            var dictionary = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(type.GetGenericArguments()))!;
            dictionary.Add("k_" + name, Sample(type.GetGenericArguments()[1], name));
            return dictionary;
        }
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IList<>))
        {
            var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(type.GetGenericArguments()))!;
            list.Add(Sample(type.GetGenericArguments()[0], name));
            return list;
        }
        return type switch
        {
            _ when type == typeof(JobEnvironment) => JobEnvironment.FromReference($"azureml:env-{name}:1"),
            _ when type == typeof(SourceMap) => new SourceMap($"{name}.yml"),
            _ when type == typeof(Input) => Input.Literal("v-" + name),
            _ when type == typeof(Output) => Output.UriFolder(),
            _ when type == typeof(ComponentInput) => new ComponentInput { Type = InputType.String, Optional = true },
            _ when type == typeof(CommandComponent) => new CommandComponent { Name = "c-" + name, Command = "echo" },
            _ when type == typeof(SweepDistribution) => new Choice(1L, 2L),
            _ when type == typeof(SamplingAlgorithm) => SamplingAlgorithm.Bayesian,
            _ when type == typeof(Objective) => new Objective("m-" + name, Goal.Maximize),
            _ when type == typeof(EarlyTerminationPolicy) => new MedianStoppingPolicy(),
            _ when type.IsAbstract => Activator.CreateInstance(type.Assembly.GetTypes().First(t => t.IsSubclassOf(type) && !t.IsAbstract && t.GetConstructor(Type.EmptyTypes) is not null))!,
            _ => Activator.CreateInstance(type)!,
        };
    }
}
