"""Do the faster engines and precisions change the scores? Measured on photos the models never saw.

Each fold model of a cross-validation run (`fashion-attrs-cv DATA --keep-models --out DIR`) predicts its held-out
fold through every engine and precision: OpenVINO float32 (the default), onnxruntime float32, OpenVINO bfloat16
(where the CPU has it) and int8 (onnxruntime static quantization calibrated on photos of the fold's *training* part,
run by OpenVINO and by onnxruntime). Per attribute: held-out macro-F1, its change against OpenVINO float32 as mean ± sd
over the folds, and the share of predicted classes that changed. The majority class (of each fold's training part)
is given beside. A precision may become the default only if the mean macro-F1 drops by less than 0.005.

Usage: python benchmarks/precision.py DATA --cv DIR [--calibration 256] [--out benchmarks/results] [--readme benchmarks/README.md]
Writes OUT/precision.json and OUT/precision.md and replaces the "Precision" section of README."""
import argparse, json, os, re, shutil, sys, tempfile, textwrap, time
from pathlib import Path
os.environ.setdefault('HF_HUB_OFFLINE', '1')
import numpy as np, pandas as pd

VARIANTS = [('openvino', 'f32'), ('onnxruntime', 'f32'), ('openvino', 'bf16'), ('openvino', 'int8'), ('onnxruntime', 'int8')]

def fold_scores(data:Path, cv:Path, k:int, calibration:int, work:Path)->list[dict]:
    "Scores of every variant of fold `k`'s model on its held-out fold."
    from fashion_attrs.data import read_dataset
    from fashion_attrs.engine import bf16_supported
    from fashion_attrs.inference import open_engine, predict_images, quantize_model, load_model
    from fashion_attrs.model import score_table
    model = work/f'fold_{k}.pkl'; shutil.copy(cv/f'fold_{k}.pkl', model)   # the int8 graph goes beside the copy
    table,_ = read_dataset(data)
    held = pd.read_csv(cv/f'fold_{k}.probs.csv')
    rows = table.set_index('filename').loc[held.filename].reset_index()
    train_paths = table[~table.filename.isin(held.filename)].path.tolist()
    quantize_model(model, train_paths, calibration)
    info = load_model(model).model_info
    names = list(info.class_dist)
    truth = rows[names].fillna(-1).astype(int).to_numpy()
    res, base = [], None
    for engine,precision in VARIANTS:
        if precision == 'bf16' and not bf16_supported(): continue
        eng = open_engine(model, engine, precision=precision)
        p = predict_images(eng, list(rows.path))   # named by file name, as in attributes.csv
        probs = p.probs.set_index('filename').loc[rows.filename, eng.layout.vocab].to_numpy()
        codes = p.preds.set_index('filename').loc[rows.filename, names].to_numpy()
        if base is None:
            base = codes
            oof = held[eng.layout.vocab].to_numpy()
            assert np.abs(probs - oof).max() < 1e-4, f"fold {k}: the default engine does not reproduce the CV's probabilities"
        s = score_table(truth, codes, names, info.majority).set_index('attribute')
        labelled = truth >= 0
        changed = {a: float((codes[labelled[:, j], j] != base[labelled[:, j], j]).mean()) for j,a in enumerate(names)}
        res.append(dict(fold=k, engine=engine, precision=precision, n=int(len(rows)),
                        macro_f1={a: float(s.loc[a, 'macro_f1']) for a in s.index},
                        majority_macro_f1={a: float(s.loc[a, 'majority_macro_f1']) for a in s.index}, changed=changed))
        print(f"fold {k}: {engine} {precision}: mean macro-F1 {s.loc['mean', 'macro_f1']:.4f}", flush=True)
    return res

def markdown(rows:list[dict])->str:
    "Mean ± sd over the folds per variant and attribute, against OpenVINO float32."
    df = pd.DataFrame(rows)
    attrs = list(rows[0]['macro_f1'])
    base = df[(df.engine == 'openvino') & (df.precision == 'f32')].set_index('fold')
    maj = {a: np.mean([r[a] for r in base.majority_macro_f1]) for a in attrs}
    lines = ['| engine, precision | ' + ' | '.join(f"{a} (maj {maj[a]:.3f})" for a in attrs) + ' | classes changed |',
             '|---|' + '---|' * (len(attrs) + 1)]
    for (e,p),g in df.groupby(['engine', 'precision'], sort=False):
        g = g.set_index('fold')
        cells = []
        for a in attrs:
            f1 = np.array([g.macro_f1[k][a] for k in g.index]); d = f1 - np.array([base.macro_f1[k][a] for k in g.index])
            cells.append(f"{f1.mean():.3f} ± {f1.std(ddof=1):.3f}" + ('' if e == 'openvino' and p == 'f32' else f" (Δ {d.mean():+.4f} ± {d.std(ddof=1):.4f})"))
        ch = np.mean([np.mean([c for a,c in g.changed[k].items() if a != 'mean']) for k in g.index])
        lines.append(f"| {e}, {p} | " + ' | '.join(cells) + f" | {100 * ch:.1f}% |")
    return '\n'.join(lines) + '\n'

def update_readme(readme:Path, md:str, cmd:str, n_folds:int):
    "Replace the '## Precision' section of `readme` (up to the next '## ' heading), or append it."
    text = readme.read_text()
    section = (f"## Precision: `precision.py`\n\n```bash\n{cmd}\n```\n\n" + textwrap.fill(
        f"Each of the {n_folds} fold models of a cross-validation run predicts the fold it never saw through each engine and "
        "precision. Cells: held-out macro-F1, mean ± sd over the folds, and in brackets its change against OpenVINO float32 "
        "(the default), mean ± sd over the folds; the last column is the share of predicted classes (labelled images, "
        "averaged over attributes) that differ from float32's. A precision may become the default only if the mean "
        "macro-F1 drops by less than 0.005. Results: `results/precision.{md,json}`.", 118) + '\n\n' + md + '\n')
    m = re.search(r'^## Precision.*?(?=^## |\Z)', text, flags=re.S | re.M)
    text = text[:m.start()] + section + text[m.end():] if m else text.rstrip('\n') + '\n\n' + section
    from fashion_attrs.core import atomic_write
    with atomic_write(readme) as f: f.write(text)

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data'); p.add_argument('--cv', required=True)
    p.add_argument('--calibration', type=int, default=256)
    p.add_argument('--out', default=str(Path(__file__).parent/'results')); p.add_argument('--readme', default=str(Path(__file__).parent/'README.md'))
    a = p.parse_args()
    cv = Path(a.cv); folds = sorted(int(f.stem.split('_')[1]) for f in cv.glob('fold_*.pkl'))
    if not folds: raise SystemExit(f"{cv}: no fold_<k>.pkl; run fashion-attrs-cv DATA --keep-models --out {cv}")
    rows, start = [], time.time()
    with tempfile.TemporaryDirectory() as work:
        for k in folds: rows += fold_scores(Path(a.data), cv, k, a.calibration, Path(work))
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    md = markdown(rows)
    (out/'precision.json').write_text(json.dumps(dict(cv=str(cv), folds=folds, calibration=a.calibration, minutes=(time.time() - start) / 60,
                                                      rows=rows), indent=1) + '\n')
    (out/'precision.md').write_text(md)
    cmd = f"python benchmarks/precision.py {a.data} --cv {a.cv}"
    update_readme(Path(a.readme), md, cmd, len(folds))
    print(md)

if __name__ == '__main__': main()
