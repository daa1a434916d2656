using AzureMlSdk.AutoML.Learners;

namespace AzureMlSdk.AutoML.Tuning;

/// <summary>A proposal: which learner, with which hyperparameters.</summary>
internal sealed record TrialProposal(Learner Learner, IReadOnlyDictionary<string, double> Config);

/// <summary>
/// Chooses the learner and its hyperparameters, cheap learners first (after FLAML, the design of ML.NET's AutoML): every learner
/// starts from its trainer's default configuration (as ML.NET's AutoML seeds its search: never worse than the untuned trainer), then the learner is picked by its Estimated Cost for Improvement (ECI: the
/// time it has needed to improve, and how far behind the best it is at its speed of improving), and its next configuration
/// comes from CFO, a randomised local search in the unit cube around its best configuration whose step shrinks after
/// failures and restarts when tiny. Losses are minimised (the engine passes -score for metrics where higher is better).
/// </summary>
internal sealed class CostFrugalTuner
{
    private readonly List<LearnerState> _states;
    private readonly Random _random;
    private int _round;

    public CostFrugalTuner(IEnumerable<Learner> learners, int seed = 1)
    {
        _states = learners.OrderBy(l => l.CostRank).Select(l => new LearnerState(l)).ToList();
        _random = new Random(seed);
        if (_states.Count == 0)
        {
            throw new ArgumentException("The tuner needs at least one learner.", nameof(learners));
        }
    }

    public double BestLoss => _states.Min(s => s.BestLoss);

    /// <summary>The next trial to run.</summary>
    public TrialProposal Propose()
    {
        _round++;
        var untried = _states.FirstOrDefault(s => s.Trials == 0 && !s.Pending);
        var state = untried ?? ChooseByEci();
        state.Pending = true;
        var config = state.Trials == 0 ? state.Learner.InitialConfig() : state.NextConfig(_random);
        state.LastProposal = config;
        return new TrialProposal(state.Learner, config);
    }

    /// <summary>Reports a trial's loss (NaN or infinity for a failed trial) and its cost in seconds.</summary>
    public void Report(TrialProposal proposal, double loss, double seconds)
    {
        var state = _states.First(s => s.Learner == proposal.Learner);
        state.Pending = false;
        state.Observe(proposal.Config, double.IsFinite(loss) ? loss : double.PositiveInfinity, Math.Max(seconds, 1e-3));
    }

    private LearnerState ChooseByEci()
    {
        var best = BestLoss;
        var candidates = _states.Where(s => !s.Exhausted).ToList();
        if (candidates.Count == 0)
        {
            candidates = _states;
        }
        // Sample with probability ∝ 1/ECI, so that cheap promising learners get most of the budget but none starves.
        var weights = candidates.Select(s => 1 / Math.Max(s.Eci(best), 1e-6)).ToArray();
        var total = weights.Sum();
        var pick = _random.NextDouble() * total;
        for (var i = 0; i < candidates.Count; i++)
        {
            pick -= weights[i];
            if (pick <= 0)
            {
                return candidates[i];
            }
        }
        return candidates[^1];
    }

    private sealed class LearnerState
    {
        private double[]? _best;
        private double[]? _direction;
        private bool _triedOpposite;
        private double _step;
        private int _failures;
        private double _costSinceImprovement;
        private double _lastImprovementGain;
        private double _lastImprovementCost = 1;

        public LearnerState(Learner learner)
        {
            Learner = learner;
            _step = Math.Min(0.5, 0.1 * Math.Sqrt(Math.Max(1, learner.Space.Count)));
        }

        public Learner Learner { get; }

        public int Trials { get; private set; }

        public bool Pending { get; set; }

        public double BestLoss { get; private set; } = double.PositiveInfinity;

        public double TotalCost { get; private set; }

        public double CostOfBest { get; private set; }

        public bool Exhausted => Learner.Space.Count == 0 && Trials > 0;

        public IReadOnlyDictionary<string, double>? LastProposal { get; set; }

        /// <summary>FLAML's ECI: max(time since this learner last improved, cost of its best trial) when it leads; else also the time to catch up at its speed.</summary>
        public double Eci(double globalBest)
        {
            var eci1 = Math.Max(_costSinceImprovement, CostOfBest);
            if (BestLoss <= globalBest)
            {
                return Math.Max(eci1, 1e-3);
            }
            var speed = _lastImprovementGain / Math.Max(_lastImprovementCost, 1e-3);
            var gap = double.IsFinite(BestLoss) ? BestLoss - globalBest : double.MaxValue / 4;
            var eci2 = speed > 0 ? gap / speed : 2 * TotalCost + gap;
            return Math.Max(Math.Max(eci1, eci2), 1e-3);
        }

        public Dictionary<string, double> NextConfig(Random random)
        {
            var d = Learner.Space.Count;
            _best ??= Learner.Space.Select(h => h.ToUnit(h.Start)).ToArray();
            double[] point;
            if (_direction is not null && !_triedOpposite)
            {
                // The last move failed: try the opposite direction (CFO's second probe).
                _triedOpposite = true;
                point = _best.Select((x, i) => x - _step * _direction[i]).ToArray();
            }
            else
            {
                _direction = RandomUnit(random, d);
                _triedOpposite = false;
                point = _best.Select((x, i) => x + _step * _direction[i]).ToArray();
            }
            return Learner.Space.Select((h, i) => (h.Name, Value: h.FromUnit(point[i]))).ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
        }

        public void Observe(IReadOnlyDictionary<string, double> config, double loss, double cost)
        {
            Trials++;
            TotalCost += cost;
            _costSinceImprovement += cost;
            if (loss < BestLoss)
            {
                _lastImprovementGain = double.IsFinite(BestLoss) ? BestLoss - loss : Math.Abs(loss) + 1e-3;
                _lastImprovementCost = _costSinceImprovement;
                BestLoss = loss;
                CostOfBest = cost;
                _costSinceImprovement = 0;
                _best = Learner.Space.Select(h => Math.Clamp(h.ToUnit(config.TryGetValue(h.Name, out var v) ? v : h.Start), 0, 1)).ToArray();
                _direction = null;
                _failures = 0;
                return;
            }
            if (_triedOpposite || _direction is null)
            {
                _failures++;
                if (_failures >= Math.Max(2, Learner.Space.Count))
                {
                    _step *= 0.5;
                    _failures = 0;
                    if (_step < 0.01 && _best is not null)
                    {
                        // Converged here: restart from a random neighbourhood of the best with a fresh step.
                        _best = _best.Select(x => Math.Clamp(x + (RestartRandom.NextDouble() - 0.5) * 0.5, 0, 1)).ToArray();
                        _step = 0.2;
                    }
                }
                _direction = null;
            }
        }

        private static readonly Random RestartRandom = new(7);

        private static double[] RandomUnit(Random random, int d)
        {
            var v = new double[d];
            double norm;
            do
            {
                for (var i = 0; i < d; i++)
                {
                    // Box-Muller normal draws: a uniformly random direction.
                    v[i] = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                }
                norm = Math.Sqrt(v.Sum(x => x * x));
            }
            while (norm < 1e-9);
            return v.Select(x => x / norm).ToArray();
        }
    }
}
