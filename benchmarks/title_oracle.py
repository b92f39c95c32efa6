"""How much of the labels' macro-F1 can the photo decide? On the labelled photos whose title names a class, an oracle
that knows that class (as if it read it off the photo without error) and maps each titled class to either itself or
the catch-all, whichever mapping scores the highest macro-F1 over the labels (every mapping tried). Beside it, a CV
run's out-of-fold argmax on the same photos. Where the oracle is far above the model, the model fails to see what
the photo shows; where they are close, the labels (which leave most photos of a class in the catch-all) are the limit.

Usage: python benchmarks/title_oracle.py ../shared/flixstock-dev runs/cv/RUN [--attributes neck pattern]"""
import argparse, itertools
from pathlib import Path
import numpy as np, pandas as pd
from sklearn.metrics import f1_score
from fashion_attrs.data import read_dataset
from fashion_attrs.titles import add_titles, title_classes
from fashion_attrs.schema import FLIXSTOCK
from fashion_attrs.model import OutputLayout
from fashion_attrs.audit import attribute_probs

def best_mapping(titled:np.ndarray, labels:np.ndarray, catch_all:int)->tuple[float, dict]:
    "The macro-F1 over `labels`' classes of the best map from each titled class to itself or `catch_all`, and that map."
    classes,best = sorted(set(titled)),(-1., None)
    for keep in itertools.product([True, False], repeat=len(classes)):
        to = {c: (c if k else catch_all) for c,k in zip(classes, keep)}
        s = f1_score(labels, [to[c] for c in titled], average='macro', labels=sorted(set(labels)), zero_division=0)
        if s > best[0]: best = (s, to)
    return best

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data'); p.add_argument('run'); p.add_argument('--attributes', nargs='+', default=['neck', 'pattern'])
    a = p.parse_args()
    table,_ = read_dataset(a.data)
    said = title_classes(add_titles(table, a.data), None, None)
    oof = pd.read_csv(Path(a.run)/'oof_probs.csv')
    for name in a.attributes:
        attr = FLIXSTOCK[name]; names = list(attr.class_names); catch_all = attr.n_classes - 1
        d = said[['filename', name]].rename(columns={name: 'titled'}).merge(table[['filename', name]], on='filename').merge(oof, on='filename')
        d = d[d.titled.notna() & d[name].notna()]
        t,y = d.titled.astype(int).to_numpy(),d[name].astype(int).to_numpy()
        model = attribute_probs(d, OutputLayout(specific=True), name).argmax(1)
        oracle,to = best_mapping(t, y, catch_all)
        present = sorted(set(y))
        per_oracle = f1_score(y, [to[c] for c in t], average=None, labels=present, zero_division=0)
        per_model = f1_score(y, model, average=None, labels=present, zero_division=0)
        print(f"{name}: {len(y)} labelled photos whose title names a class; macro-F1 over their labels' {len(present)} classes: "
              f"oracle {oracle:.3f}, the run's out-of-fold argmax {per_model.mean():.3f}")
        print(f"  per class (oracle / run): " + ', '.join(f"{names[c]} {o:.2f} / {m:.2f}" for c,o,m in zip(present, per_oracle, per_model)))
        print(f"  the oracle's map: " + ', '.join(f"{names[c]} -> {names[v]}" for c,v in to.items()))
        print(f"  labels of the titled photos (rows: the title's class):")
        ct = pd.crosstab(pd.Series([names[c] for c in t], name='title'), pd.Series([names[c] for c in y], name='label'))
        print('\n'.join('    ' + line for line in ct.to_string().splitlines()))

if __name__ == '__main__': main()
