"""The held-out photos whose title names a specific class that the specific output of a CV run does not answer, as
image grids to look at (the title's class, the output's class and its probability over each photo) and a CSV. What
the grids answer: how many of the disagreements could a model fix from the photo alone (the title's class visible),
and how many it cannot (a back view, a detail the photo does not show, a title that does not fit the photo).

Usage: python benchmarks/title_disagreements.py ../shared/flixstock-dev runs/cv/RUN --attribute pattern --out DIR"""
import argparse
from pathlib import Path
import numpy as np, pandas as pd
import matplotlib; matplotlib.use('Agg')
from fashion_attrs.data import read_dataset
from fashion_attrs.titles import add_titles, title_classes
from fashion_attrs.schema import FLIXSTOCK
from fashion_attrs.model import OutputLayout
from fashion_attrs.audit import plot_label_issues, specific_probs

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data'); p.add_argument('run'); p.add_argument('--attribute', default='pattern'); p.add_argument('--out', required=True)
    p.add_argument('--per-page', type=int, default=24)
    a = p.parse_args()
    table,_ = read_dataset(a.data)
    attr = FLIXSTOCK[a.attribute]; names = list(attr.class_names)
    said = title_classes(add_titles(table, a.data), None, None)[['filename', a.attribute]].dropna()
    said = said[said[a.attribute] < attr.n_classes - 1]
    oof = pd.read_csv(Path(a.run)/'oof_probs.csv')
    d = said.merge(oof, on='filename')
    q = specific_probs(d, OutputLayout(specific=True), a.attribute)
    d = d.assign(title_class=[names[int(i)] for i in d[a.attribute]], output_class=[names[i] for i in q.argmax(1)],
                 probability=q.max(1), view=d.filename.str.extract(r'-(\d+)\.\w+$', expand=False))
    agree = d.title_class == d.output_class
    print(f"{a.attribute}: {len(d)} titled held-out photos, output agrees on {agree.sum()} ({agree.mean():.3f}), {(~agree).sum()} disagreements")
    dis = d[~agree].sort_values(['title_class', 'output_class', 'filename'], ignore_index=True)
    dis.insert(0, 'tile', range(1, len(dis) + 1))
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    dis[['tile', 'filename', 'fold', 'title_class', 'output_class', 'probability', 'view']].to_csv(out/f'{a.attribute}_disagreements.csv', index=False)
    paths = dict(zip(table.filename, table.path))
    for page,start in enumerate(range(0, len(dis), a.per_page)):
        rows = dis.iloc[start:start + a.per_page]
        grid = pd.DataFrame(dict(filename=rows.filename, attribute=[f"#{t}" for t in rows.tile], given=rows.title_class,
                                 suggested=rows.output_class, score=rows.probability))
        fig = plot_label_issues(grid, paths, k=len(grid), ncols=6)
        fig.savefig(out/f'{a.attribute}_disagreements_{page + 1}.png', dpi=60); matplotlib.pyplot.close(fig)
    print(f"wrote {out}/{a.attribute}_disagreements.csv and {-(-len(dis) // a.per_page)} grids (tile title: '#n: given <title's class> / suggested <output's class> (probability)')")

if __name__ == '__main__': main()
