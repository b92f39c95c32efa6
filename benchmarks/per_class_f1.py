"""Per-class F1 and support of a cross-validation run's out-of-fold argmax, per attribute, and the neck confusion
matrix (rows: the label, columns: the answer; the last class is the catch-all): where the errors of a recipe sit.

Usage: python benchmarks/per_class_f1.py ../shared/flixstock-dev runs/cv/NAME [runs/cv/NAME2 ...]"""
import argparse
from pathlib import Path
import numpy as np, pandas as pd
from sklearn.metrics import f1_score, confusion_matrix
from fashion_attrs.data import read_dataset
from fashion_attrs.cv import read_cv_run
from fashion_attrs.audit import labelled_probs

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data'); p.add_argument('runs', nargs='+')
    a = p.parse_args()
    tables = {}   # the data read once per schema, not once per run
    for run in a.runs:
        cfg,_ = read_cv_run(run)
        if cfg.schema not in tables: tables[cfg.schema] = read_dataset(a.data, cfg.schema)[0]
        for attr,probs,y,_ in labelled_probs(pd.read_csv(Path(run)/'oof_probs.csv'), tables[cfg.schema], cfg.layout):
            pred,labels = probs.argmax(1),range(probs.shape[1])
            f1 = f1_score(y, pred, average=None, labels=labels, zero_division=0)
            print(f"{Path(run).name} {attr}: per-class F1 {' '.join(f'{v:.2f}' for v in f1)}; support {' '.join(map(str, np.bincount(y, minlength=len(f1))))}")
            if attr == 'neck': print(confusion_matrix(y, pred, labels=labels))

if __name__ == '__main__': main()
