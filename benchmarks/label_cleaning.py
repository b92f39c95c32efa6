"""The logistic-regression reference trained without the rows cleanlab flags as likely label errors: does cleaning
the training folds help? (benchmarks/README.md, stop 28.) Per outer fold (the same 5 folds, split_seed 42) and
attribute, out-of-fold probabilities of the training rows from an inner 5-fold cross-validation of the same
regression (C 0.003, class-balanced, standardised cached lite0 features), `cleanlab.filter.find_label_issues`
(prune_by_noise_rate) on them, then the regression refitted without the flagged rows ("all") or without the flagged
rows labelled with the catch-all class only ("catch-all"), and scored on the held-out fold's given labels.

Usage: python benchmarks/label_cleaning.py FEATURES.npz   (run from the project root; the .npz from cv_references.py --features)"""
import sys, numpy as np, pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict, StratifiedKFold
from cleanlab.filter import find_label_issues
from fashion_attrs.data import read_dataset
from fashion_attrs.schema import load_schema
from fashion_attrs.train import TrainConfig
from fashion_attrs.cv import cv_folds
sys.path.insert(0, 'benchmarks')
from cv_references import fold_scores

def not_flagged(drop:str, C:float, dropped:dict):
    "A `keep` for `fold_scores`: every training row (`drop` 'none'), those cleanlab does not flag ('all'), or all but the flagged catch-all rows ('catch-all'); counts go to `dropped`."
    catch_all = {att.name: att.n_classes - 1 for att in load_schema(None)}
    def keep(z, y, attribute):
        flagged = np.zeros(len(y), bool)
        if drop != 'none':
            pp = cross_val_predict(LogisticRegression(C=C, class_weight='balanced', max_iter=3000), z, y, cv=StratifiedKFold(5, shuffle=True, random_state=0), method='predict_proba')
            flagged = find_label_issues(y, pp, filter_by='prune_by_noise_rate')
            if drop == 'catch-all': flagged &= y == catch_all[attribute]
        dropped.setdefault(attribute, []).append((int(flagged.sum()), len(y)))
        return ~flagged
    return keep

def main(C=0.003):
    table,_ = read_dataset('../shared/flixstock-dev'); folds = cv_folds(table, TrainConfig(), 5)
    x = np.load(sys.argv[1])['plain']
    for drop in ['none', 'all', 'catch-all']:
        dropped = {}
        df = pd.DataFrame(fold_scores(x, table, folds, C, keep=not_flagged(drop, C, dropped)))
        m = df.groupby('attribute').macro_f1.mean(); s = df[df.attribute == 'mean'].macro_f1
        counts = {a: np.mean(v, axis=0).round().astype(int) for a,v in sorted(dropped.items())}
        print(f"dropped: {drop:9s} neck {m['neck']:.3f} sleeve {m['sleeve_length']:.3f} pattern {m['pattern']:.3f} mean {s.mean():.3f} ± {s.std():.3f}  "
              f"folds {' '.join(f'{v:.3f}' for v in s)}  rows dropped of training rows per fold: " + ', '.join(f'{a} {d}/{t}' for a,(d,t) in counts.items()), flush=True)

if __name__ == '__main__': main()
