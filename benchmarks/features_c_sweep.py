"""The logistic-regression reference on lite0, lite1 and lite2 features side by side (pairs and all three) at C 0.001,
0.003 and 0.01, same 5 folds; features from cv_references.py --features /work/runs/feat (without flip).

Usage: python benchmarks/features_c_sweep.py"""
import sys, numpy as np, pandas as pd, itertools
sys.path.insert(0,'benchmarks')
from cv_references import fold_scores
from fashion_attrs.data import read_dataset
from fashion_attrs.train import TrainConfig
from fashion_attrs.cv import cv_folds
table,_ = read_dataset('../shared/flixstock-dev'); folds = cv_folds(table, TrainConfig(augment=False), 5)
F = {a: np.load(f'/work/runs/feat/tf_efficientnet_{a}.npz') for a in ['lite0','lite1','lite2']}
def run(name, x, C):
    df = pd.DataFrame(fold_scores(x, table, folds, C))
    m = df.groupby('attribute').macro_f1.mean(); s = df[df.attribute=='mean'].macro_f1
    print(f"{name:30s} C={C:<6} neck {m['neck']:.3f} sleeve {m['sleeve_length']:.3f} pattern {m['pattern']:.3f} mean {s.mean():.3f} ± {s.std():.3f}", flush=True)
for combo in [('lite0','lite1'),('lite1','lite2'),('lite0','lite1','lite2')]:
    x = np.hstack([F[a]['plain'] for a in combo])
    for C in [0.001,0.003,0.01]:
        run('+'.join(combo), x, C)
