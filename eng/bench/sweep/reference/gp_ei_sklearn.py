# A textbook GP-EI on Hartmann-6, independent of the SDK, as a reference for eng/bench/sweep's success rate (same criterion:
# the best observed value within 1 % of f* in <= 40 trials). 8 scrambled Sobol points, then one point at a time: a
# scikit-learn GP (Matern 5/2 with one length scale per input, fitted amplitude and noise, normalised outputs, maximum
# likelihood with 3 restarts), expected improvement maximised over 2000 random candidates refined by L-BFGS-B from the best 5.
# Needs numpy, scipy and scikit-learn (Debian: apt-get install python3-sklearn); seeds [first, last):
#   python3 eng/bench/sweep/reference/gp_ei_sklearn.py 1 41
import sys, numpy as np, warnings
from scipy.stats import qmc, norm
from scipy.optimize import minimize
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import Matern, ConstantKernel, WhiteKernel
warnings.filterwarnings("ignore")
A = np.array([[10,3,17,3.5,1.7,8],[0.05,10,17,0.1,8,14],[3,3.5,1.7,10,17,8],[17,8,0.05,10,0.1,14]])
P = 1e-4*np.array([[1312,1696,5569,124,8283,5886],[2329,4135,8307,3736,1004,9991],[2348,1451,3522,2883,3047,6650],[4047,8828,8732,5743,1091,381]])
al = np.array([1.0,1.2,3.0,3.2])
def h6(x): return -np.sum(al*np.exp(-np.sum(A*(x-P)**2,axis=1)))
fstar = -3.32237
def run(seed, budget=40, init=8):
    rng = np.random.default_rng(seed)
    X = qmc.Sobol(6, scramble=True, seed=seed).random(init)
    y = np.array([h6(x) for x in X])
    for n in range(init, budget):
        if abs(y.min()-fstar) <= 0.01*abs(fstar): return n
        k = ConstantKernel(1.0,(1e-3,1e3))*Matern(length_scale=[0.5]*6, length_scale_bounds=(1e-2,1e1), nu=2.5) + WhiteKernel(1e-6,(1e-9,1e-2))
        gp = GaussianProcessRegressor(k, normalize_y=True, n_restarts_optimizer=3, random_state=seed).fit(X, y)
        best = y.min()
        def ei(z):
            z = np.atleast_2d(z); m, s = gp.predict(z, return_std=True); s = np.maximum(s,1e-12)
            u = (best-m)/s; return (best-m)*norm.cdf(u)+s*norm.pdf(u)
        C = rng.random((2000,6)); e = ei(C)
        xb, eb = C[np.argmax(e)], e.max()
        for c in C[np.argsort(-e)[:5]]:
            r = minimize(lambda z: -ei(z)[0], c, bounds=[(0,1)]*6, method="L-BFGS-B")
            if -r.fun > eb: xb, eb = r.x, -r.fun
        X = np.vstack([X, xb]); y = np.append(y, h6(xb))
    return budget if abs(y.min()-fstar) <= 0.01*abs(fstar) else None
seeds = range(int(sys.argv[1]), int(sys.argv[2]))
res = [run(s) for s in seeds]
for s, r in zip(seeds, res): print(s, r, flush=True)
w = [r for r in res if r is not None]
print(f"textbook GP-EI: {len(w)}/{len(res)} within 1 % in <= 40 trials, median {np.median(w) if w else '-'}")
