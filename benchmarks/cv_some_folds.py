"""Run chosen folds of a `fashion-attrs-cv` recipe, so that several processes (one thread each) can share the folds
of one long run. Each finished fold is written into OUT exactly as `fashion-attrs-cv` writes it; a later
`fashion-attrs-cv DATA --out OUT --config FILE` reuses them and writes the summary. Folds already in OUT are skipped.
Give each process its own folds.

Usage: OMP_NUM_THREADS=1 python benchmarks/cv_some_folds.py DATA --out runs/cv/NAME --config FILE --only 1 3"""
import argparse, os
os.environ.setdefault('HF_HUB_OFFLINE', '1')
import torch
from fashion_attrs.data import read_dataset
from fashion_attrs.titles import add_titles
from fashion_attrs.train import TrainConfig
from fashion_attrs.cv import cv_folds, run_fold, save_fold, load_fold, check_trainable

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data'); p.add_argument('--out', required=True); p.add_argument('--config')
    p.add_argument('--only', type=int, nargs='+', required=True, help='the folds this process trains')
    p.add_argument('--folds', type=int, default=5)
    a = p.parse_args()
    if 'OMP_NUM_THREADS' in os.environ: torch.set_num_threads(int(os.environ['OMP_NUM_THREADS']))
    config = TrainConfig.load(a.config)
    table,_ = read_dataset(a.data, config.schema)
    if config.reads_titles: table = add_titles(table, a.data)
    splits = cv_folds(table, config, a.folds)
    check_trainable(table, config.schema, splits, parts=(), n_folds=a.folds, where=str(a.data))   # as `fashion-attrs-cv` does
    os.makedirs(a.out, exist_ok=True)
    for k in a.only:
        if load_fold(a.out, k, config): print(f'fold {k}: done before'); continue
        res = run_fold(table, splits, k, config)
        save_fold(res, config, a.out)
        m = res.scores.set_index('attribute').loc['mean']
        print(f'fold {k}: held-out mean macro-F1 {m.macro_f1:.3f} (majority {m.majority_macro_f1:.3f}), {res.minutes:.1f} min', flush=True)

if __name__ == '__main__': main()
