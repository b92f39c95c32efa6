"""The logistic-regression reference trained without the rows cleanlab flags as likely label errors: does cleaning
the training folds help? (benchmarks/README.md, stop 28.) Per outer fold (the same 5 folds, split_seed 42) and
attribute, out-of-fold probabilities of the training rows from an inner 5-fold cross-validation of the same
regression (C 0.003, class-balanced, standardised cached lite0 features), `cleanlab.filter.find_label_issues`
(prune_by_noise_rate) on them, then the regression refitted without the flagged rows ("all") or without the flagged
rows labelled with the catch-all class only ("catch-all"), and scored on the held-out fold's given labels.

Usage: python benchmarks/label_cleaning.py FEATURES.npz   (run from the project root; the .npz from cv_references.py --features)"""
import sys, numpy as np, pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.model_selection import cross_val_predict, StratifiedKFold
from sklearn.metrics import f1_score
from cleanlab.filter import find_label_issues
from fashion_attrs.data import read_dataset
from fashion_attrs.schema import load_schema
from fashion_attrs.train import TrainConfig
from fashion_attrs.cv import cv_folds

def regression(C): return LogisticRegression(C=C, class_weight='balanced', max_iter=3000)

def main(C=0.003):
    table,_ = read_dataset('../shared/flixstock-dev'); folds = cv_folds(table, TrainConfig(), 5)
    x = np.load(sys.argv[1])['plain']
    for drop in ['none', 'all', 'catch-all']:
        recs = []
        for k in range(5):
            test = (folds.fold == k).to_numpy()
            for att in load_schema(None):
                y = table[att.name].to_numpy(dtype=float, na_value=np.nan); kn = ~np.isnan(y); tr,te = kn & ~test,kn & test
                z = StandardScaler().fit(x[tr]).transform(x); yt = y[tr].astype(int); flagged = np.zeros(len(yt), bool)
                if drop != 'none':
                    pp = cross_val_predict(regression(C), z[tr], yt, cv=StratifiedKFold(5, shuffle=True, random_state=0), method='predict_proba')
                    flagged = find_label_issues(yt, pp, filter_by='prune_by_noise_rate')
                    if drop == 'catch-all': flagged &= yt == att.n_classes - 1
                pred = regression(C).fit(z[tr][~flagged], yt[~flagged]).predict(z[te])
                recs.append(dict(fold=k, attribute=att.name, macro_f1=f1_score(y[te].astype(int), pred, average='macro', zero_division=0),
                                 dropped=int(flagged.sum()), n=len(yt)))
        df = pd.DataFrame(recs); m = df.groupby('attribute').macro_f1.mean(); s = df.groupby('fold').macro_f1.mean(); d = df.groupby('attribute')[['dropped', 'n']].mean().round()
        print(f"dropped: {drop:9s} neck {m['neck']:.3f} sleeve {m['sleeve_length']:.3f} pattern {m['pattern']:.3f} mean {s.mean():.3f} ± {s.std():.3f}  "
              f"folds {' '.join(f'{v:.3f}' for v in s)}  rows dropped of training rows per fold: " + ', '.join(f'{a} {int(r.dropped)}/{int(r.n)}' for a,r in d.iterrows()), flush=True)

if __name__ == '__main__': main()
