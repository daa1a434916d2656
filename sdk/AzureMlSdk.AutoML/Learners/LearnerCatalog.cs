using Microsoft.ML;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;

namespace AzureMlSdk.AutoML.Learners;

/// <summary>
/// One hyperparameter's range: searched on a log scale when <see cref="Log"/>; <see cref="Init"/> is the low-cost point (CFO's
/// restart region), <see cref="Default"/> the trainer's own default where it differs: a learner's first trial runs at its defaults
/// (<see cref="Start"/>), as ML.NET's AutoML seeds its search, so the search is never worse than the untuned trainer.
/// </summary>
internal sealed record HyperParameter(string Name, double Low, double High, double Init, bool Log = false, bool Integer = false, double? Default = null)
{
    /// <summary>Where the search of this hyperparameter starts: the trainer's default, else the low-cost point.</summary>
    public double Start => Default ?? Init;

    public double ToUnit(double value) => Log
        ? (Math.Log(value) - Math.Log(Low)) / (Math.Log(High) - Math.Log(Low))
        : (value - Low) / (High - Low);

    public double FromUnit(double unit)
    {
        unit = Math.Clamp(unit, 0, 1);
        var v = Log ? Math.Exp(Math.Log(Low) + unit * (Math.Log(High) - Math.Log(Low))) : Low + unit * (High - Low);
        return Integer ? Math.Round(v) : v;
    }
}

/// <summary>What the learner predicts (classification is framed as multiclass over the target's classes, binary included).</summary>
internal enum LearnerTask
{
    Classification,
    Regression,
}

/// <summary>A learner of the catalogue: Azure's name, the ML.NET trainer behind it, its search space and how to build it.</summary>
internal sealed class Learner
{
    public required string AzureName { get; init; }

    public required string Trainer { get; init; }

    public required LearnerTask Task { get; init; }

    public required IReadOnlyList<HyperParameter> Space { get; init; }

    /// <summary>Linear learners want scaled features (a min-max normaliser, exported to ONNX too).</summary>
    public bool Normalize { get; init; }

    /// <summary>Relative cost of the low-cost start: cheap learners are tried first.</summary>
    public double CostRank { get; init; }

    public required Func<MLContext, IReadOnlyDictionary<string, double>, IEstimator<ITransformer>> Build { get; init; }

    /// <summary>The first trial's configuration is empty: the trainer exactly as ML.NET defaults it (its automatic leaves and learning rate).</summary>
    public bool TrainerDefaultsFirst { get; init; }

    /// <summary>The first trial: the trainer's defaults (empty when <see cref="TrainerDefaultsFirst"/>), else each hyperparameter's <see cref="HyperParameter.Start"/>.</summary>
    public Dictionary<string, double> InitialConfig() => TrainerDefaultsFirst
        ? new Dictionary<string, double>(StringComparer.Ordinal)
        : Space.ToDictionary(h => h.Name, h => h.Start, StringComparer.Ordinal);
}

/// <summary>
/// Azure's AutoML learner names mapped to ML.NET trainers (what the local AutoML can run). Classification learners that
/// are binary in ML.NET run one-versus-all with calibrated probabilities, so every classifier answers class probabilities.
/// </summary>
internal static class LearnerCatalog
{
    private const string Label = "Label";
    private const string Features = "Features";

    /// <summary>Azure's learners that have no local ML.NET counterpart (skipped and logged when allowed).</summary>
    public static readonly IReadOnlySet<string> Unavailable = new HashSet<string>(StringComparer.Ordinal)
    {
        "MultinomialNaiveBayes", "BernoulliNaiveBayes", "SVM", "KNN", "ExtremeRandomTrees", "XGBoostClassifier", "XGBoostRegressor",
        "AutoArima", "Prophet", "Naive", "SeasonalNaive", "Average", "SeasonalAverage", "ExponentialSmoothing", "Arimax", "TCNForecaster",
    };

    /// <summary>One LightGBM thread per trial: OpenMP's spinning threads collapse on a busy machine, and trials run side by side instead.</summary>
    internal const int LightGbmThreads = 1;

    private static int I(IReadOnlyDictionary<string, double> c, string name) => (int)Math.Round(c[name]);

    private static float F(IReadOnlyDictionary<string, double> c, string name) => (float)c[name];

    public static IReadOnlyList<Learner> For(LearnerTask task) => task == LearnerTask.Classification ? Classifiers : Regressors;

    public static Learner? Find(LearnerTask task, string azureName) => For(task).FirstOrDefault(l => l.AzureName == azureName);

    /// <summary>FastTree's space; defaults as ML.NET's (100 trees, 20 leaves, 10 rows per leaf, learning rate 0.2).</summary>
    private static readonly HyperParameter[] BoostingSpace =
    [
        new("number_of_trees", 4, 1000, 4, Log: true, Integer: true, Default: 100),
        new("number_of_leaves", 4, 256, 4, Log: true, Integer: true, Default: 20),
        new("minimum_example_count_per_leaf", 2, 64, 20, Log: true, Integer: true, Default: 10),
        new("learning_rate", 0.01, 1, 0.1, Log: true, Default: 0.2),
    ];

    /// <summary>LightGBM's space; its first trial is ML.NET's defaults exactly, searched on from LightGBM's own (100 trees, 31 leaves, 20 rows, 0.1).</summary>
    private static readonly HyperParameter[] LightGbmSpace =
    [
        new("number_of_trees", 4, 1000, 4, Log: true, Integer: true, Default: 100),
        new("number_of_leaves", 4, 256, 4, Log: true, Integer: true, Default: 31),
        new("minimum_example_count_per_leaf", 2, 64, 20, Log: true, Integer: true),
        new("learning_rate", 0.01, 1, 0.1, Log: true),
        new("feature_fraction", 0.5, 1, 1),
        new("l2_regularization", 0.001, 10, 0.01, Log: true),
    ];

    /// <summary>FastForest's space; defaults as ML.NET's (100 trees, 20 leaves, 10 rows per leaf, 0.7 of the features).</summary>
    private static readonly HyperParameter[] ForestSpace =
    [
        new("number_of_trees", 4, 300, 4, Log: true, Integer: true, Default: 100),
        new("number_of_leaves", 4, 256, 16, Log: true, Integer: true, Default: 20),
        new("minimum_example_count_per_leaf", 1, 64, 10, Log: true, Integer: true),
        new("feature_fraction", 0.3, 1, 0.7),
    ];

    private static readonly HyperParameter[] TreeSpace =
    [
        new("number_of_leaves", 4, 256, 16, Log: true, Integer: true),
        new("minimum_example_count_per_leaf", 1, 64, 10, Log: true, Integer: true),
    ];

    // LightGBM: a hyperparameter missing from the configuration keeps ML.NET's default (the first trial has none).
    private static int? IO(IReadOnlyDictionary<string, double> c, string name) => c.TryGetValue(name, out var v) ? (int)Math.Round(v) : null;

    private static double? DO(IReadOnlyDictionary<string, double> c, string name) => c.TryGetValue(name, out var v) ? v : null;

    private static GradientBooster.Options LightGbmBooster(IReadOnlyDictionary<string, double> c)
    {
        var booster = new GradientBooster.Options();
        if (DO(c, "feature_fraction") is { } fraction)
        {
            booster.FeatureFraction = fraction;
        }
        if (DO(c, "l2_regularization") is { } l2)
        {
            booster.L2Regularization = l2;
        }
        return booster;
    }

    private static LightGbmMulticlassTrainer.Options LightGbmMulticlass(IReadOnlyDictionary<string, double> c) => new()
    {
        LabelColumnName = Label,
        FeatureColumnName = Features,
        Seed = 1,
        Verbose = false,
        Silent = true,
        NumberOfThreads = LightGbmThreads,
        NumberOfIterations = IO(c, "number_of_trees") ?? 100,
        NumberOfLeaves = IO(c, "number_of_leaves"),
        MinimumExampleCountPerLeaf = IO(c, "minimum_example_count_per_leaf"),
        LearningRate = DO(c, "learning_rate"),
        Booster = LightGbmBooster(c),
    };

    private static FastTreeBinaryTrainer.Options FastTreeBinary(IReadOnlyDictionary<string, double> c, int? trees = null) => new()
    {
        LabelColumnName = Label,
        FeatureColumnName = Features,
        Seed = 1,
        NumberOfTrees = trees ?? I(c, "number_of_trees"),
        NumberOfLeaves = I(c, "number_of_leaves"),
        MinimumExampleCountPerLeaf = I(c, "minimum_example_count_per_leaf"),
        LearningRate = trees == 1 ? 1 : c["learning_rate"],
    };

    private static readonly Learner[] Classifiers =
    [
        new()
        {
            AzureName = "LightGBM", Trainer = "LightGbmMulticlassTrainer", Task = LearnerTask.Classification, Space = LightGbmSpace, CostRank = 1, TrainerDefaultsFirst = true,
            Build = (ml, c) => ml.MulticlassClassification.Trainers.LightGbm(LightGbmMulticlass(c)),
        },
        new()
        {
            AzureName = "LogisticRegression", Trainer = "LbfgsMaximumEntropyMulticlassTrainer", Task = LearnerTask.Classification, Normalize = true, CostRank = 2,
            Space = [new("l1_regularization", 1e-4, 10, 1, Log: true), new("l2_regularization", 1e-4, 10, 1, Log: true)],
            Build = (ml, c) => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(Label, Features, l1Regularization: F(c, "l1_regularization"), l2Regularization: F(c, "l2_regularization")),
        },
        new()
        {
            AzureName = "SGD", Trainer = "SgdCalibratedTrainer (one-versus-all)", Task = LearnerTask.Classification, Normalize = true, CostRank = 3,
            Space = [new("number_of_iterations", 5, 100, 20, Log: true, Integer: true), new("learning_rate", 1e-3, 0.5, 0.01, Log: true), new("l2_regularization", 1e-6, 0.1, 1e-6, Log: true)],
            Build = (ml, c) => ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.SgdCalibrated(new SgdCalibratedTrainer.Options
            {
                LabelColumnName = Label, FeatureColumnName = Features, NumberOfIterations = I(c, "number_of_iterations"), LearningRate = c["learning_rate"],
                L2Regularization = F(c, "l2_regularization"), Shuffle = true,
            }), Label),
        },
        new()
        {
            AzureName = "LinearSVM", Trainer = "LinearSvmTrainer (one-versus-all, calibrated)", Task = LearnerTask.Classification, Normalize = true, CostRank = 3,
            Space = [new("number_of_iterations", 1, 100, 10, Log: true, Integer: true), new("lambda", 1e-6, 1, 1e-3, Log: true)],
            Build = (ml, c) => ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.LinearSvm(new LinearSvmTrainer.Options
            {
                LabelColumnName = Label, FeatureColumnName = Features, NumberOfIterations = I(c, "number_of_iterations"), Lambda = F(c, "lambda"),
            }), Label),
        },
        new()
        {
            AzureName = "GradientBoosting", Trainer = "FastTreeBinaryTrainer (one-versus-all)", Task = LearnerTask.Classification, Space = BoostingSpace, CostRank = 4,
            Build = (ml, c) => ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.FastTree(FastTreeBinary(c)), Label),
        },
        new()
        {
            AzureName = "RandomForest", Trainer = "FastForestBinaryTrainer (one-versus-all, calibrated)", Task = LearnerTask.Classification, Space = ForestSpace, CostRank = 5,
            Build = (ml, c) => ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.FastForest(new FastForestBinaryTrainer.Options
            {
                LabelColumnName = Label, FeatureColumnName = Features, Seed = 1, NumberOfTrees = I(c, "number_of_trees"), NumberOfLeaves = I(c, "number_of_leaves"),
                MinimumExampleCountPerLeaf = I(c, "minimum_example_count_per_leaf"), FeatureFraction = c["feature_fraction"],
            }), Label),
        },
        new()
        {
            AzureName = "DecisionTree", Trainer = "FastTreeBinaryTrainer, one tree (one-versus-all)", Task = LearnerTask.Classification, Space = TreeSpace, CostRank = 2,
            Build = (ml, c) => ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.FastTree(FastTreeBinary(c, trees: 1)), Label),
        },
    ];

    private static FastTreeRegressionTrainer.Options FastTreeRegression(IReadOnlyDictionary<string, double> c, int? trees = null) => new()
    {
        LabelColumnName = Label,
        FeatureColumnName = Features,
        Seed = 1,
        NumberOfTrees = trees ?? I(c, "number_of_trees"),
        NumberOfLeaves = I(c, "number_of_leaves"),
        MinimumExampleCountPerLeaf = I(c, "minimum_example_count_per_leaf"),
        LearningRate = trees == 1 ? 1 : c["learning_rate"],
    };

    private static readonly Learner[] Regressors =
    [
        new()
        {
            AzureName = "LightGBM", Trainer = "LightGbmRegressionTrainer", Task = LearnerTask.Regression, Space = LightGbmSpace, CostRank = 1, TrainerDefaultsFirst = true,
            Build = (ml, c) => ml.Regression.Trainers.LightGbm(new LightGbmRegressionTrainer.Options
            {
                LabelColumnName = Label, FeatureColumnName = Features, Seed = 1, Verbose = false, Silent = true, NumberOfThreads = LightGbmThreads,
                NumberOfIterations = IO(c, "number_of_trees") ?? 100, NumberOfLeaves = IO(c, "number_of_leaves"),
                MinimumExampleCountPerLeaf = IO(c, "minimum_example_count_per_leaf"), LearningRate = DO(c, "learning_rate"),
                Booster = LightGbmBooster(c),
            }),
        },
        new()
        {
            AzureName = "ElasticNet", Trainer = "SdcaRegressionTrainer (L1 + L2)", Task = LearnerTask.Regression, Normalize = true, CostRank = 2,
            Space = [new("l1_regularization", 1e-5, 10, 1e-3, Log: true), new("l2_regularization", 1e-5, 10, 1e-2, Log: true)],
            Build = (ml, c) => ml.Regression.Trainers.Sdca(Label, Features, l2Regularization: F(c, "l2_regularization"), l1Regularization: F(c, "l1_regularization")),
        },
        new()
        {
            AzureName = "LassoLars", Trainer = "SdcaRegressionTrainer (L1, lasso; not LARS)", Task = LearnerTask.Regression, Normalize = true, CostRank = 2,
            Space = [new("l1_regularization", 1e-5, 10, 1e-2, Log: true)],
            Build = (ml, c) => ml.Regression.Trainers.Sdca(Label, Features, l2Regularization: 1e-6f, l1Regularization: F(c, "l1_regularization")),
        },
        new()
        {
            AzureName = "SGD", Trainer = "OnlineGradientDescentTrainer", Task = LearnerTask.Regression, Normalize = true, CostRank = 2,
            Space = [new("number_of_iterations", 1, 100, 10, Log: true, Integer: true), new("learning_rate", 1e-3, 0.5, 0.1, Log: true), new("l2_regularization", 1e-6, 0.1, 1e-6, Log: true)],
            Build = (ml, c) => ml.Regression.Trainers.OnlineGradientDescent(new OnlineGradientDescentTrainer.Options
            {
                LabelColumnName = Label, FeatureColumnName = Features, NumberOfIterations = I(c, "number_of_iterations"), LearningRate = F(c, "learning_rate"),
                L2Regularization = F(c, "l2_regularization"),
            }),
        },
        new()
        {
            AzureName = "GradientBoosting", Trainer = "FastTreeRegressionTrainer", Task = LearnerTask.Regression, Space = BoostingSpace, CostRank = 3,
            Build = (ml, c) => ml.Regression.Trainers.FastTree(FastTreeRegression(c)),
        },
        new()
        {
            AzureName = "RandomForest", Trainer = "FastForestRegressionTrainer", Task = LearnerTask.Regression, Space = ForestSpace, CostRank = 4,
            Build = (ml, c) => ml.Regression.Trainers.FastForest(new FastForestRegressionTrainer.Options
            {
                LabelColumnName = Label, FeatureColumnName = Features, Seed = 1, NumberOfTrees = I(c, "number_of_trees"), NumberOfLeaves = I(c, "number_of_leaves"),
                MinimumExampleCountPerLeaf = I(c, "minimum_example_count_per_leaf"), FeatureFraction = c["feature_fraction"],
            }),
        },
        new()
        {
            AzureName = "DecisionTree", Trainer = "FastTreeRegressionTrainer, one tree", Task = LearnerTask.Regression, Space = TreeSpace, CostRank = 2,
            Build = (ml, c) => ml.Regression.Trainers.FastTree(FastTreeRegression(c, trees: 1)),
        },
    ];
}
