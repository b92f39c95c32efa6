"""One table of recipes cross-validated on the same folds: held-out macro-F1 per attribute and its mean over
attributes, mean ± sd over the folds, the majority class beside each, and the folds each row covers.

Rows come from `fashion-attrs-cv` folders (their finished `fold_<k>.json`, so a run in progress shows the folds it
has), from saved per-fold score files (a run's `fold_scores.csv`, as kept in `results/`; `FILE@VARIANT` picks the
rows of one variant of `fold_models.py`'s file; `FILE.json@EPOCH` one epoch of `top_stage_finetune.py`'s) and from `cv_references.py`'s JSON (its logistic-regression rows).

Usage: python benchmarks/cv_table.py --cv NAME=runs/cv/NAME NAME=results/..._fold_scores.csv ... [--references benchmarks/results/cv_references_tf_efficientnet_lite0.json]"""
import argparse, json
from pathlib import Path
import pandas as pd

ATTRS = ['neck', 'sleeve_length', 'pattern', 'mean']

def cv_run_scores(source:str)->pd.DataFrame:
    "Per fold and attribute, the held-out scores of every finished fold of a `fashion-attrs-cv` run folder, or of a saved `fold_scores.csv` (`FILE@VARIANT`: one variant's rows)."
    path,_,variant = source.partition('@')
    if path.endswith('.json'):   # top_stage_finetune.py's scores: `FILE@EPOCH` picks one epoch's rows (-1: the refit regression)
        scores = pd.DataFrame(json.loads(Path(path).read_text())['scores'])
        if not variant or int(variant) not in set(scores.epoch): raise SystemExit(f"{path}: give one of its epochs {sorted(set(scores.epoch))} as FILE@EPOCH")
        scores = scores[scores.epoch == int(variant)]
        mean = scores.groupby('fold', as_index=False)[['macro_f1', 'majority_macro_f1', 'accuracy']].mean().assign(attribute='mean')
        return pd.concat([scores, mean], ignore_index=True)
    if Path(path).is_file():
        scores = pd.read_csv(path)
        if variant:
            if variant not in set(scores.get('variant', [])): raise SystemExit(f"{path}: no variant {variant!r}")
            scores = scores[scores.variant == variant]
        return scores
    folds = sorted(Path(path).glob('fold_*.json'))
    if not folds: raise SystemExit(f"{path}: neither a fold_scores CSV nor a fashion-attrs-cv folder with finished folds")
    return pd.concat([pd.DataFrame(json.loads(f.read_text())['scores']) for f in folds], ignore_index=True)

def row(name:str, scores:pd.DataFrame)->dict:
    "A table row: 'mean ± sd (majority m)' per attribute, and the folds."
    g = scores.groupby('attribute')
    cell = lambda a: f"{g.macro_f1.mean()[a]:.3f} ± {g.macro_f1.std(ddof=1)[a]:.3f} (maj {g.majority_macro_f1.mean()[a]:.3f})"
    per_fold = scores[scores.attribute == 'mean'].sort_values('fold').macro_f1
    return dict(recipe=name, folds=','.join(map(str, sorted(scores.fold.unique()))), **{a: cell(a) for a in ATTRS},
                per_fold=', '.join(f'{v:.3f}' for v in per_fold))

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--cv', nargs='*', default=[], help='NAME=FOLDER of a fashion-attrs-cv run')
    p.add_argument('--references', nargs='*', default=[], help="cv_references.py's JSON files")
    a = p.parse_args()
    rows = [row(n, cv_run_scores(f)) for n,f in (s.split('=', 1) for s in a.cv)]
    for ref in a.references:
        r = json.loads(Path(ref).read_text())
        rows += [row(f"reference {k} ({v['arch']})", pd.DataFrame(v['folds'])) for k,v in r.items() if isinstance(v, dict) and 'folds' in v]
    print(pd.DataFrame(rows).to_markdown(index=False))

if __name__ == '__main__': main()
