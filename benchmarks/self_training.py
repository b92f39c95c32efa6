"""Self-training screen on frozen lite0 features (whole photo and the default's upper-centre box side by side), the
logistic-regression reference's method (C 0.003, class-balanced, standardised, no flip), same 5 folds as
`fashion-attrs-cv`. Per attribute and fold: the regression fitted on the training folds' labels answers the training
folds' photos that carry no label for that attribute; those answered with top probability >= TAU join the training
rows with the answer as their label (weighted W times a labelled row of that class), and the regression is fitted
again. Held-out photos are never used. TAU 1 is the regression alone.

Usage: python benchmarks/self_training.py --features runs/feat   (the folder of member_boxes.py)"""
import argparse, sys
from pathlib import Path
import numpy as np, pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.utils.class_weight import compute_sample_weight
from fashion_attrs.data import read_dataset
from fashion_attrs.train import TrainConfig
from fashion_attrs.cv import cv_folds
sys.path.insert(0, 'benchmarks')
from cv_references import balanced_regression, ATTRS

def self_trained(x:np.ndarray, y:np.ndarray, train:np.ndarray, unlabelled:np.ndarray, tau:float, w:float, C:float=0.003):
    "The reference's regression on `x[train]` (`balanced_regression`), fitted again with the confident answers on `x[unlabelled]` when `tau` < 1: the scaler, the regression and how many joined."
    sc,clf = balanced_regression(x, y, train, C); z = sc.transform(x)   # standardised on the labelled training rows
    if tau >= 1: return sc, clf, 0
    p = clf.predict_proba(z[unlabelled]); sure = p.max(1) >= tau
    yl = y[train].astype(int); weight = compute_sample_weight('balanced', yl)
    per_class = dict(zip(yl, weight)); pseudo = clf.classes_[p.argmax(1)[sure]]
    clf = LogisticRegression(C=C, max_iter=3000).fit(np.vstack([z[train], z[unlabelled][sure]]), np.concatenate([yl, pseudo]),
                                                    sample_weight=np.concatenate([weight, w * np.array([per_class[c] for c in pseudo])]))
    return sc, clf, int(sure.sum())

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', default='../shared/flixstock-dev'); p.add_argument('--features', default='runs/feat')
    a = p.parse_args()
    table,_ = read_dataset(a.data); fold = cv_folds(table, TrainConfig(augment=False), 5).fold.values
    x = np.hstack([np.load(Path(a.features)/'tf_efficientnet_lite0.npz')['plain'], np.load(Path(a.features)/'boxes.npz')['upper']])
    ref = None
    for tau,w in [(1, 0), (0.9, 1), (0.8, 1), (0.7, 1), (0.8, 0.5), (0.6, 0.5), (0, 0.3)]:
        recs = []
        for k in np.unique(fold):
            test = fold == k
            for att in ATTRS:
                y = table[att].to_numpy(dtype=float, na_value=np.nan); known = ~np.isnan(y)
                sc,clf,n = self_trained(x, y, known & ~test, ~known & ~test, tau, w)
                recs.append(dict(fold=k, attribute=att, added=n, f1=f1_score(y[known & test].astype(int), clf.predict(sc.transform(x[known & test])), average='macro', zero_division=0)))
        df = pd.DataFrame(recs); m = df.groupby('attribute').f1.mean(); s = df.groupby('fold').f1.mean(); ref = s if ref is None else ref
        d = s - ref; added = df.groupby('attribute').added.mean()
        print(f"tau {tau:<4} w {w:<4} " + ' '.join(f"{att} {m[att]:.3f}" for att in ATTRS) + f" mean {s.mean():.3f} ± {s.std():.3f}  folds {' '.join(f'{v:.3f}' for v in s)}"
              + f"  against tau 1: {d.mean():+.3f} ± {d.std():.3f}  added per fold: " + ' '.join(f"{att} {added[att]:.0f}" for att in ATTRS), flush=True)

if __name__ == '__main__': main()
