"""The specific output's class weights, screened on a kept cross-validation's fold models: for each fold k, the fold
model's pooled features (every member's and view's, what its head reads) of every photo; on the other folds' photos,
the specific block refitted as the project's regression (`regression_head_weights`, the run's C) on the specific
targets the recipe learns from (a label naming a specific class, else the class the training photo's title names,
as `title_specific_targets`), once with class weights of each power given; scored on fold k: agreement with the
titles of its photos whose title names a specific class (as `specific_title_agreement`), and macro-F1 over its photos
labelled with a specific class. The model's own specific output (the tuned heads and the refitted regressions
averaged, weights of power 1) is printed beside, from the run's `oof_probs.csv`.

Not a cross-validation of a recipe: the body was tuned with the specific block's loss weighted as the run's settings
said, and only the block's regression changes here. A screen, to say whether a full run is worth its time.

Usage: python benchmarks/specific_refit.py DATA KEPT_CV_RUN [--powers 1 0.5 0] [--folds 0 1 2 3 4]"""
import argparse, os, sys
os.environ.setdefault('HF_HUB_OFFLINE', '1')
import numpy as np, pandas as pd
from fashion_attrs.cv import read_cv_run
from fashion_attrs.data import read_dataset
from fashion_attrs.titles import add_titles, title_classes
from fashion_attrs.inference import load_model
from fashion_attrs.train import body_features
from fashion_attrs.audit import specific_probs
sys.path.insert(0, 'benchmarks')
from specific_prior import specific_targets, specific_counts, with_specific, majority, specific_scores, describe, specific_block_probs

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('data'); ap.add_argument('run'); ap.add_argument('--powers', type=float, nargs='+', default=[1., .5, 0.])
    ap.add_argument('--folds', type=int, nargs='+', help='only these folds (all by default)')
    a = ap.parse_args()
    cfg,_ = read_cv_run(a.run); layout = cfg.layout
    table,_ = read_dataset(a.data, cfg.schema); table = add_titles(table, a.data)
    titled,targets = title_classes(table, cfg.title_keywords, cfg.schema),specific_targets(table, cfg)
    every = pd.read_csv(f'{a.run}/oof_probs.csv'); fold = table[['filename']].merge(every[['filename', 'fold']], on='filename').fold.to_numpy()
    oof = every[every.fold.isin(a.folds or every.fold.unique())].reset_index(drop=True)   # the folds scored
    attrs = [s for s in layout.schema if s.name in layout.specific_slices and s.name in titled]
    refit = {power: oof.copy() for power in a.powers}   # each power's specific probabilities replace the run's, fold by fold
    for k in sorted(oof.fold.unique()):
        learn = load_model(f'{a.run}/fold_{k}.pkl')
        x = body_features(learn, learn.dls.test_dl(table, rm_type_tfms=0, with_labels=True, bs=64, num_workers=0))[0].flatten(1).numpy()
        tr,at_k = fold != k,oof.filename[oof.fold == k].map(pd.Series(np.arange(len(table)), index=table.filename)).to_numpy()   # the other folds' photos train; fold k's rows of `table`, in `oof`'s order, are scored
        print(f"fold {k}: features {tuple(x.shape)}", flush=True)
        for s in attrs:
            t = targets[s.name].to_numpy(float, na_value=np.nan)
            for power in a.powers:
                q = specific_probs(refit[power], layout, s.name).copy(); q[(oof.fold == k).to_numpy()] = specific_block_probs(x, t, s.n_classes - 1, tr, at_k, cfg.head_C, power)
                refit[power] = with_specific(refit[power], layout, s.name, q)
    counts = {s.name: specific_counts(targets, s.name, s.n_classes - 1, every[['filename', 'fold']]) for s in attrs}   # the majority of every other fold's photos
    names = [s.name for s in attrs]
    base = oof
    for at in names: base = majority(base, layout, at, counts[at])
    print(f"\n{a.run}: the specific block refitted on each fold model's features (mean ± sd over folds)")
    print(f"  the majority class  " + describe(specific_scores(base, table, titled, layout), names))
    print(f"  the model's own     " + describe(specific_scores(oof, table, titled, layout), names))
    scores = {power: specific_scores(o, table, titled, layout) for power,o in refit.items()}
    for power,sc in scores.items():
        d = {at: sc[at + ' titles'] - scores[a.powers[0]][at + ' titles'] for at in names}
        print(f"  power {power:<4g}          " + describe(sc, names)
              + ('' if power == a.powers[0] else f"\n  {'':20}titles against power {a.powers[0]:g}: " + ";  ".join(f"{at} {v.mean():+.3f} ± {v.std():.3f} ({int((v > 0).sum())}/{len(v)})" for at,v in d.items())))

if __name__ == '__main__': main()
