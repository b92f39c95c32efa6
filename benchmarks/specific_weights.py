"""The specific-class output as a logistic regression on cached features (as `head_fit: "logistic"` fits it), with
the class weights of its training varied: how often its answer agrees with the class the held-out photos' titles name
(the issue's target: 85% neck, 97% pattern), and its macro-F1 over the held-out photos labelled with a specific class.
Same 5 folds as every CV run (split_seed 42). Training targets per attribute, as `title_specific_targets` makes them:
the label where it names a specific class, else the class the training photo's title names (default keyword map)
("labels_first"); with `--targets` also the title's class where it names one, else the label ("titles_first"), or
the titles' classes alone ("titles_only").

Usage: python benchmarks/specific_weights.py FEATURES.npz[:KEY] [FEATURES2.npz[:KEY] ...] [--C 0.003] [--powers 1 0.5 0]
                                             [--targets labels_first titles_first titles_only]
       (run from the project root; the .npz files from cv_references.py --features or crop_features.py, side by side;
       KEY is the array to read, 'plain' by default)"""
import argparse, sys, numpy as np, pandas as pd
from sklearn.metrics import f1_score
from fashion_attrs.data import read_dataset
from fashion_attrs.schema import load_schema
from fashion_attrs.titles import add_titles, title_classes
from fashion_attrs.train import TrainConfig, title_specific_targets, regression_head_weights
from fashion_attrs.cv import cv_folds

def specific_answers(x, target, K, C, power, rows):
    "The specific class `regression_head_weights` answers for `rows`, fitted as the model fits its specific block: on the rows with a `target`, one block of K classes."
    known = ~np.isnan(target); y = np.zeros((len(x), K)); y[known, target[known].astype(int)] = 1
    mean,var,W,b = regression_head_weights(x[known], y[known], [slice(0, K)], C, power)
    return ((x[rows] - mean) / np.sqrt(var + 1e-5) @ W.T + b).argmax(1)

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('features', nargs='+'); p.add_argument('--data', default='../shared/flixstock-dev')
    p.add_argument('--C', type=float, default=0.003); p.add_argument('--powers', type=float, nargs='+', default=[1., .5, 0.])
    p.add_argument('--targets', nargs='+', default=['labels_first'], choices=['labels_first', 'titles_first', 'titles_only'])
    a = p.parse_args()
    table,_ = read_dataset(a.data); folds = cv_folds(table, TrainConfig(), 5)
    files = [(f.split(':') + ['plain'])[:2] for f in a.features]
    x = np.hstack([np.load(f)[k] for f,k in files])
    names = np.load(files[0][0])['filename']
    assert (names == table.filename.to_numpy(str)).all(), 'features and table in different orders'
    table = add_titles(table, a.data)
    titled = table[['filename']].merge(title_classes(table), on='filename', how='left')   # every photo's title class: the held-out ones are scored on it
    recs = []
    for k in sorted(folds.fold.unique()):
        test = (folds.fold == k).to_numpy()
        taught = title_specific_targets(table, folds[['filename']].assign(split=np.where(test, 'test', 'train')), TrainConfig())   # the training folds' titles only
        for att in load_schema(None):
            K = att.n_classes - 1   # the specific classes: all but the last (catch-all)
            label = table[att.name].to_numpy(dtype=float, na_value=np.nan)
            said = titled[att.name].to_numpy(dtype=float, na_value=np.nan) if att.name in titled else np.full(len(table), np.nan)
            title = np.where(test, np.nan, said)   # the training folds' title classes (the keyword map's, as `title_specific_targets` reads them)
            spec = np.where(label < K, label, np.nan)   # nan compares False
            targets = dict(labels_first=np.where(label < K, label, taught[f'{att.name}_title'].to_numpy(dtype=float, na_value=np.nan)),
                           titles_first=np.where(title < K, title, spec), titles_only=np.where(title < K, title, np.nan))
            ht,hl = test & (said < K),test & (label < K)   # held out: titled with a specific class; labelled with one
            for tname in a.targets:
                target = targets[tname]; target[test] = np.nan
                y = target[~np.isnan(target)].astype(int)
                if len(np.unique(y)) < 2: continue
                for pw in a.powers:
                    pt,pl = specific_answers(x, target, K, a.C, pw, ht),specific_answers(x, target, K, a.C, pw, hl)
                    maj = np.bincount(y, minlength=K).argmax()
                    recs.append(dict(fold=int(k), attribute=att.name, targets=tname, power=pw, n_titled=int(ht.sum()), title_agree=float((pt == said[ht]).mean()) if ht.any() else np.nan,
                                     majority_title_agree=float((said[ht] == maj).mean()) if ht.any() else np.nan, n_labelled=int(hl.sum()),
                                     specific_macro_f1=f1_score(label[hl].astype(int), pl, average='macro', zero_division=0),
                                     majority_specific_macro_f1=f1_score(label[hl].astype(int), np.full(hl.sum(), maj), average='macro', zero_division=0)))
        print(f'fold {k} done', file=sys.stderr, flush=True)
    df = pd.DataFrame(recs)
    g = df.groupby(['attribute', 'targets', 'power'])
    out = pd.concat([g.n_titled.sum(), g.title_agree.mean().round(3).rename('title_agree_mean'), g.title_agree.std().round(3).rename('title_agree_sd'),
                     g.majority_title_agree.mean().round(3).rename('majority_title_agree'), g.specific_macro_f1.mean().round(3).rename('specific_macro_f1_mean'),
                     g.specific_macro_f1.std().round(3).rename('specific_macro_f1_sd'), g.majority_specific_macro_f1.mean().round(3).rename('majority_specific_macro_f1')], axis=1)
    print(out.to_string())

if __name__ == '__main__': main()
