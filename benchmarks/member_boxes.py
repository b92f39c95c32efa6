"""Would members that see different crop boxes help? A screen on frozen lite0 features, the logistic-regression
reference's method (C 0.003, class-balanced, standardised, no flip) through the same 5 folds as `fashion-attrs-cv`.
Each member is one regression on the whole photo's features beside one box's (as a member of the default sees the
whole photo and the upper centre); members answer the average of their probabilities, as `top_members` does with
its heads. Printed: per attribute and fold-mean macro-F1 of each single regression, of the three views in one
regression, and of each pair of members, with its paired difference against the default's box alone.

Usage: python benchmarks/member_boxes.py --features runs/feat   (the folder holds tf_efficientnet_lite0.npz from
`cv_references.py --features` and boxes.npz from `crop_features.py tf_efficientnet_lite0 runs/feat/boxes.npz
upper=0.2,0,0.8,0.6 collar=0.25,0,0.75,0.45 wide=0.1,0,0.9,0.7 tophalf=0,0,1,0.5`)"""
import argparse, sys
from pathlib import Path
import numpy as np, pandas as pd
from sklearn.metrics import f1_score
from fashion_attrs.data import read_dataset
from fashion_attrs.train import TrainConfig
from fashion_attrs.cv import cv_folds
sys.path.insert(0, 'benchmarks')
from cv_references import balanced_regression, ATTRS

def oof_probs(x:np.ndarray, table:pd.DataFrame, fold:np.ndarray, C:float=0.003)->dict:
    "Per attribute, every labelled row's held-out probabilities from the regression fitted on the other folds (zeros elsewhere)."
    res = {}
    for a in ATTRS:
        y = table[a].to_numpy(dtype=float, na_value=np.nan); known = ~np.isnan(y)
        out = np.zeros((len(y), int(np.nanmax(y)) + 1))
        for k in np.unique(fold):
            tr,te = known & (fold != k),known & (fold == k)
            sc,clf = balanced_regression(x, y, tr, C)
            out[np.ix_(te, clf.classes_)] = clf.predict_proba(sc.transform(x[te]))
        res[a] = out
    return res

def fold_f1(probs:dict, table:pd.DataFrame, fold:np.ndarray)->pd.DataFrame:
    "Held-out macro-F1 of the argmax per fold (rows) and attribute (columns), with their mean."
    recs = {}
    for a in ATTRS:
        y = table[a].to_numpy(dtype=float, na_value=np.nan); known = ~np.isnan(y)
        recs[a] = [f1_score(y[known & (fold == k)].astype(int), probs[a][known & (fold == k)].argmax(1), average='macro', zero_division=0) for k in np.unique(fold)]
    df = pd.DataFrame(recs); df['mean'] = df[ATTRS].mean(axis=1)
    return df

def show(name:str, df:pd.DataFrame, ref:pd.DataFrame|None=None):
    line = f"{name:32s} " + ' '.join(f"{a} {df[a].mean():.3f}" for a in ATTRS) + f" mean {df['mean'].mean():.3f} ± {df['mean'].std():.3f}  folds {' '.join(f'{v:.3f}' for v in df['mean'])}"
    if ref is not None:
        d = df['mean'] - ref['mean']; line += f"\n{'':32s} paired against whole+upper: {d.mean():+.3f} ± {d.std():.3f}, higher on {(d > 0).sum()} of {len(d)} folds"
    print(line, flush=True)

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', default='../shared/flixstock-dev'); p.add_argument('--features', default='runs/feat')
    a = p.parse_args()
    table,_ = read_dataset(a.data); fold = cv_folds(table, TrainConfig(augment=False), 5).fold.values
    base,boxes = np.load(Path(a.features)/'tf_efficientnet_lite0.npz')['plain'],np.load(Path(a.features)/'boxes.npz')
    P = {n: oof_probs(np.hstack([base, boxes[n]]), table, fold) for n in ['upper', 'collar', 'wide', 'tophalf']}
    ref = fold_f1(P['upper'], table, fold)
    show('whole+upper (the default box)', ref)
    for n in ['collar', 'wide', 'tophalf']: show(f'whole+{n}', fold_f1(P[n], table, fold))
    show('whole+upper+collar, one regression', fold_f1(oof_probs(np.hstack([base, boxes['upper'], boxes['collar']]), table, fold), table, fold), ref)
    for n in ['collar', 'wide', 'tophalf']:
        show(f'members: upper, {n}', fold_f1({k: (P['upper'][k] + P[n][k]) / 2 for k in ATTRS}, table, fold), ref)

if __name__ == '__main__': main()
