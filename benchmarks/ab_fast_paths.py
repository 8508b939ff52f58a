"""A/B: current fast paths vs reference draws (full-N sessions and churn draws, float64 fatigue)."""
import sys, numpy as np
from scipy import stats
import sim.funnel as funnel, sim.diffusion as diffusion
from sim.population import CUSTOMER
from sim.runner import run_single
from sim.scenario import load_scenario

def ref_churn(pop, beh, rng):
    customers = (pop.stage >= CUSTOMER) & ~pop.churned
    hazard = np.where(pop.member, beh.churn_hazard * 0.5, beh.churn_hazard)
    pop.churned |= customers & (rng.random(customers.shape) < hazard)

def ref_fatigue(fatigue, exp, posts):
    fatigue += np.bincount(exp.consumer, weights=posts["homogeneity"][exp.post],
                           minlength=len(fatigue)).astype(fatigue.dtype)

fast = (funnel.churn, funnel.any_retailer, diffusion.add_fatigue)
def use(ref):
    if ref:
        funnel.churn = ref_churn
        funnel.any_retailer = lambda mask: np.ones(mask.shape[0], dtype=bool)
        diffusion.add_fatigue = ref_fatigue
    else:
        funnel.churn, funnel.any_retailer, diffusion.add_fatigue = fast

n, days, reps = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
scn = load_scenario("/work/main/scenarios/baseline.toml", {"run.consumers": n, "run.days": days})
keys = ["reach", "exposures", "engaged", "buyers", "orders", "gmv", "repurchase_rate", "members"]
out = {}
for label, ref in (("fast", False), ("reference", True)):
    use(ref)
    runs = [run_single(scn, seed=1000 + s, keep_timeseries=False).summary for s in range(reps)]
    out[label] = {k: np.array([r[k] for r in runs]) for k in keys}
use(False)
for k in keys:
    a, b = out["fast"][k], out["reference"][k]
    t = stats.ttest_ind(a, b, equal_var=False)
    print(f"{k:16} fast {a.mean():12.2f} ± {a.std(ddof=1)/np.sqrt(len(a)):8.2f}   reference {b.mean():12.2f} ± {b.std(ddof=1)/np.sqrt(len(b)):8.2f}   p={t.pvalue:.2f}")
