"""The specific output answered as the most likely class rather than the class-weighted one: its logits shifted by
`tau` times the log of each specific class's count among the training folds' specific targets (a label naming the
class, or, where the label names none, the class the title names: what the specific block learned from), scored on
the held-out fold. tau 0 is the output as trained (class weights of power 1 favour rare classes); tau 1 undoes the
'balanced' weights (the weighted fit's odds times each class's frequency). Nothing here is fitted on the held-out
fold: the counts come from the other folds.

Prints, for the majority class (the training folds' most frequent specific target, answered for every photo) and per tau, mean ± sd over the folds: agreement with the held-out photos' titles (`specific_title_agreement`),
and the specific output's macro-F1 over held-out photos labelled with a specific class (`specific_table`'s output_f1).

Usage: python benchmarks/specific_prior.py DATA CV_RUN [CV_RUN ...] [--taus 0 0.5 1]"""
import argparse
import numpy as np, pandas as pd
from fashion_attrs.cv import read_cv_run
from fashion_attrs.data import read_dataset
from fashion_attrs.titles import add_titles, title_classes
from fashion_attrs.audit import specific_probs, specific_title_agreement, specific_table
from fashion_attrs.train import title_specific_targets, regression_head_weights

def specific_targets(table:pd.DataFrame, # clean table with a `title` column (from `add_titles`)
                     config, # the run's settings (its keyword map and schema)
                    )->pd.DataFrame:
    "`filename` and, per attribute, what the specific block learns from for each photo: its label where it names a specific class, else the class its title names (`title_specific_targets`), else missing."
    named = title_specific_targets(table, table[['filename']].assign(split='train'), config)
    res = table[['filename']].copy()
    for a in config.layout.schema:
        label = named[a.name].astype('Float64')
        res[a.name] = label.where((label < a.n_classes - 1).fillna(False), named[f'{a.name}_title']).astype('Int64')
    return res

def specific_block_probs(x:np.ndarray, # (n, d) pooled features of every photo
                         t:np.ndarray, # (n,) each photo's specific target (`specific_targets`' column as floats), nan where none
                         n_specific:int, # the attribute's specific classes (all but the catch-all)
                         train, # the rows the regression is fitted on (a mask or indices)
                         test, # the rows it answers for
                         C:float, # the regression's inverse regularisation strength
                         power:float=1., # the class weights' power (1: 'balanced', as the specific block is fitted)
                        )->np.ndarray:
    "The specific block of one attribute fitted as the project's regression (`regression_head_weights`) on `train`'s known targets: its probabilities for the `test` rows, (len(test), n_specific)."
    y = np.zeros((len(t), n_specific)); known = ~np.isnan(t); y[known, t[known].astype(int)] = 1
    m,v,W,b = regression_head_weights(x[train], y[train], [slice(0, n_specific)], C, power)
    logits = (x[test] - m) / np.sqrt(v + 1e-5) @ W.T + b
    q = np.exp(logits - logits.max(1, keepdims=True))
    return q / q.sum(1, keepdims=True)

def specific_counts(targets:pd.DataFrame, attr:str, n_specific:int, folds:pd.DataFrame)->pd.DataFrame:
    "Per fold k (rows): the count of each specific class (columns) among the specific targets (`specific_targets`) of the photos outside fold k."
    d = targets[['filename', attr]].merge(folds, on='filename').dropna(subset=[attr])
    return pd.DataFrame({k: np.bincount(d[attr][d.fold != k].astype(int), minlength=n_specific) for k in sorted(folds.fold.unique())}).T

def with_specific(oof:pd.DataFrame, layout, attr:str, q:np.ndarray)->pd.DataFrame:
    "`oof` with the specific probabilities of `attr` replaced by `q` (renormalised)."
    res = oof.copy(); res[list(layout.vocab[layout.specific_slices[attr]])] = q / q.sum(1, keepdims=True)
    return res

def shifted(oof:pd.DataFrame, layout, attr:str, counts:pd.DataFrame, tau:float)->pd.DataFrame:
    "`oof` with the specific probabilities of `attr` times count**tau of the fold's training classes, renormalised."
    return with_specific(oof, layout, attr, specific_probs(oof, layout, attr) * counts.loc[oof.fold].to_numpy(float) ** tau)

def majority(oof:pd.DataFrame, layout, attr:str, counts:pd.DataFrame)->pd.DataFrame:
    "`oof` with the specific output of `attr` always answering the most frequent specific target of the fold's training photos."
    most = pd.Series(counts.to_numpy().argmax(1), index=counts.index)
    return with_specific(oof, layout, attr, np.eye(counts.shape[1])[most.loc[oof.fold].to_numpy()])

def specific_scores(oof:pd.DataFrame, table:pd.DataFrame, titled:pd.DataFrame, layout)->pd.DataFrame:
    "Per fold (rows) and attribute with a specific output: agreement with the held-out titles (`<attr> titles`) and macro-F1 over the photos labelled with a specific class (`<attr> f1`)."
    agree = specific_title_agreement(oof, titled, layout).pivot(index='fold', columns='attribute', values='output_agree')
    f1 = specific_table(oof, table, layout).query("attribute != 'mean'").pivot(index='fold', columns='attribute', values='output_f1')
    return pd.concat([agree.add_suffix(' titles'), f1.add_suffix(' f1')], axis=1)

def describe(scores:pd.DataFrame, attrs:list[str])->str:
    return ";  ".join(f"{at}: titles {scores[at + ' titles'].mean():.3f} ± {scores[at + ' titles'].std():.3f}, specific macro-F1 {scores[at + ' f1'].mean():.3f} ± {scores[at + ' f1'].std():.3f}" for at in attrs)

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('data'); ap.add_argument('runs', nargs='+'); ap.add_argument('--taus', type=float, nargs='+', default=[0, .25, .5, .75, 1])
    a = ap.parse_args()
    for run in a.runs:
        cfg,_ = read_cv_run(run); layout = cfg.layout
        oof,(table,_) = pd.read_csv(f'{run}/oof_probs.csv'),read_dataset(a.data, cfg.schema)
        table = add_titles(table, a.data); titled = title_classes(table, cfg.title_keywords, cfg.schema)
        attrs,targets = [s.name for s in layout.schema if s.name in layout.specific_slices and s.name in titled],specific_targets(table, cfg)
        counts = {s.name: specific_counts(targets, s.name, s.n_classes - 1, oof[['filename', 'fold']]) for s in layout.schema if s.name in attrs}
        print(f"{run}")
        o = oof
        for at in attrs: o = majority(o, layout, at, counts[at])
        print(f"  majority " + describe(specific_scores(o, table, titled, layout), attrs))
        for tau in a.taus:
            o = oof
            for at in attrs: o = shifted(o, layout, at, counts[at], tau)
            print(f"  tau {tau:<4g} " + describe(specific_scores(o, table, titled, layout), attrs))

if __name__ == '__main__': main()
