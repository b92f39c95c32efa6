"""The logistic-regression reference (`cv_references.fold_scores`, C 0.003, same 5 folds) on feature matrices given as
NAME=EXPRESSION, where L(file) loads an .npz (from pooled_features.py or cv_references.py --features) and np is numpy.
Prints per attribute the mean macro-F1 and the mean over attributes, mean +- sd over the folds, and each fold.

`--power P` raises the regression's balanced class weights to P (default 1, scikit-learn's 'balanced'; 0: unweighted).

Usage: python benchmarks/features_lr.py [--power P] "avg=L('f.npz')['avg']" ...   (run from the project root)"""
import argparse, sys, numpy as np, pandas as pd
sys.path.insert(0,'benchmarks')
from cv_references import fold_scores
from fashion_attrs.data import read_dataset
from fashion_attrs.train import TrainConfig
from fashion_attrs.cv import cv_folds
cli = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
cli.add_argument('specs', nargs='+', metavar='NAME=EXPRESSION'); cli.add_argument('--power', type=float, default=1., help='the balanced class weights raised to this (1: scikit-learn\'s balanced; 0: unweighted)')
args = cli.parse_args(); power = args.power
table,_ = read_dataset('../shared/flixstock-dev'); folds = cv_folds(table, TrainConfig(augment=False), 5)
def run(name, x, C=0.003):
    df = pd.DataFrame(fold_scores(x, table, folds, C, power=power))
    m = df.groupby('attribute').macro_f1.mean(); s = df[df.attribute=='mean'].macro_f1
    print(f"{name:34s} C={C:<6} power={power:<4g} neck {m['neck']:.3f} sleeve {m['sleeve_length']:.3f} pattern {m['pattern']:.3f} mean {s.mean():.3f} ± {s.std():.3f}  folds {' '.join(f'{v:.3f}' for v in s)}", flush=True)
Z = {}
for spec in args.specs:
    name, expr = spec.split('=',1)
    run(name, eval(expr, dict(np=np, L=lambda f: np.load(f))))
