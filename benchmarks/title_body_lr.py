"""Does the title-tuned body help the labels when the head is the logistic-regression reference's?

Per fold of the same 5 folds as `fashion-attrs-cv`: the project's title pretraining (`tune_body_on_titles`, the
training folds' titles only), then the logistic-regression reference of `cv_references.py` (flip-averaged pooled
features, standardised, class-balanced, C 0.003) fitted on the training folds' labels over the *tuned* body's
features and scored on the held-out fold, beside the title head's agreement with held-out titles. Each fold's
features are saved (`features_fold_<k>.npz`), so other heads can be tried on them without retraining.

Usage: python benchmarks/title_body_lr.py ../shared/flixstock-dev --out runs/title_body_lr [--folds 0 1 2 3 4] [--config F]"""
import argparse, json, os, tempfile, time
from pathlib import Path
os.environ.setdefault('HF_HUB_OFFLINE', '1')
import numpy as np, pandas as pd, torch
from fashion_attrs.data import read_dataset
from fashion_attrs.titles import add_titles
from fashion_attrs.train import ONE_VIEW, TrainConfig, build_learner, tune_body_on_titles, title_head_agreement, set_seed
from fashion_attrs.cv import cv_folds, fold_splits, part_rows
from cv_references import pooled_features, fold_scores

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data'); p.add_argument('--out', default='runs/title_body_lr')
    p.add_argument('--folds', type=int, nargs='+', default=[0, 1, 2, 3, 4])
    p.add_argument('--config', help='a TrainConfig JSON; default: title_epochs 8')
    p.add_argument('--C', type=float, default=0.003)
    a = p.parse_args()
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    config = TrainConfig.load(a.config) if a.config else TrainConfig(title_epochs=8, **ONE_VIEW)
    table,_ = read_dataset(a.data); table = add_titles(table, a.data)
    splits = cv_folds(table, config, 5)
    for k in a.folds:
        if (out/f'fold_{k}.json').exists(): print(f'fold {k}: done before'); continue
        start = time.time(); set_seed(config.seed, reproducible=True)
        sp = fold_splits(splits, k)
        with tempfile.TemporaryDirectory() as work:
            learn = build_learner(table, sp, config, path=work)
            tl = tune_body_on_titles(learn, table, sp, config)
            agree = title_head_agreement(tl, part_rows(table, sp, 'valid'), config)
            plain,flipped = pooled_features(learn, table)
        np.savez_compressed(out/f'features_fold_{k}.npz', plain=plain, flipped=flipped, filename=table.filename.to_numpy())
        recs = fold_scores((plain + flipped) / 2, table, splits, a.C, only=[k])   # `cv_folds` keeps the table's order
        rec = dict(fold=k, minutes=round((time.time() - start) / 60, 2), config=config.__dict__, C=a.C,
                   scores=recs, title_agreement=agree.to_dict('records'))
        (out/f'fold_{k}.json').write_text(json.dumps(rec, indent=1, default=str) + '\n')
        print(pd.DataFrame(recs).round(3).to_string(), '\n', agree.round(3).to_string(), f"\n{rec['minutes']} min", flush=True)

if __name__ == '__main__': main()
