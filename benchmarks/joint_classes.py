"""One softmax over the joint classes of a photo's labels, instead of one per attribute: a logistic regression on cached
lite0 features (same 5 folds, split_seed 42), for FlixStock's label structure (`label_structure.py`: no photo carries two
specific classes, so a photo's labels are one of 6 + 3 + 9 specific classes or "none").

The joint classes are neck 0-5, sleeve length 0-2, pattern 0-8 and none (19). A photo with `#N/A` in some attribute is
a partial label: the loss is minus the log of the summed probability of the joint classes its known labels allow
(e.g. neck mixed, sleeve `#N/A`, pattern mixed allows sleeve 0-2 and none). Fitted by L-BFGS with an L2 penalty
matching scikit-learn's C on standardised features. Each attribute's probabilities are the joint's marginals (its
catch-all is everything but its specific classes). Decoded by argmax, by argmax after dividing by the training
folds' class frequencies to a power tau (a balanced decision), or with each row weighted by its labels' balanced
class weights. Compared with the per-attribute logistic regression (`cv_references.py`, 0.402 ± 0.019 without flip).

Usage: python benchmarks/joint_classes.py FEATURES.npz   (run from the project root; the .npz from cv_references.py --features)"""
import sys, numpy as np, pandas as pd, torch
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import f1_score
from fashion_attrs.data import read_dataset
from fashion_attrs.schema import load_schema
from fashion_attrs.train import TrainConfig
from fashion_attrs.cv import cv_folds

def joint_allowed(table:pd.DataFrame, attrs)->tuple[np.ndarray, dict]:
    "(n, J) which joint classes each row's known labels allow, and each attribute's first joint class."
    offs,o = {},0
    for a in attrs: offs[a.name] = o; o += a.n_classes - 1
    allowed = np.ones((len(table), o + 1), bool)
    for a in attrs:
        y,K = table[a.name].to_numpy(dtype=float, na_value=np.nan),a.n_classes
        for i in np.flatnonzero(~np.isnan(y)):
            if y[i] < K - 1: keep = np.zeros(o + 1, bool); keep[offs[a.name] + int(y[i])] = True; allowed[i] &= keep
            else: allowed[i, offs[a.name]:offs[a.name] + K - 1] = False
    assert allowed.any(1).all(), 'a row allows no joint class'
    return allowed, offs

def fit_joint(z:np.ndarray, allowed:np.ndarray, lam:float, w:np.ndarray|None=None)->tuple[np.ndarray, np.ndarray]:
    "Weights and biases of the softmax over joint classes maximising each row's summed probability of its allowed classes, L2 `lam`."
    X,A = torch.tensor(z, dtype=torch.float64),torch.tensor(allowed)
    W = torch.zeros(z.shape[1], allowed.shape[1], dtype=torch.float64, requires_grad=True); b = torch.zeros(allowed.shape[1], dtype=torch.float64, requires_grad=True)
    wt = torch.ones(len(z), dtype=torch.float64) if w is None else torch.tensor(w)
    opt = torch.optim.LBFGS([W, b], max_iter=300, line_search_fn='strong_wolfe', tolerance_grad=1e-6)
    def closure():
        opt.zero_grad()
        ll = torch.logsumexp(torch.log_softmax(X @ W + b, 1).masked_fill(~A, -1e30), 1)
        loss = -(wt * ll).sum() / wt.sum() + lam * (W ** 2).sum() / 2
        loss.backward(); return loss
    opt.step(closure)
    return W.detach().numpy(), b.detach().numpy()

def main():
    torch.manual_seed(0)
    table,_ = read_dataset('../shared/flixstock-dev'); folds = cv_folds(table, TrainConfig(), 5)
    x = np.load(sys.argv[1])['plain']; attrs = list(load_schema(None))
    allowed,offs = joint_allowed(table, attrs); informative = allowed.sum(1) < allowed.shape[1]
    Y = {a.name: table[a.name].to_numpy(dtype=float, na_value=np.nan) for a in attrs}
    for C in [0.003, 0.01]:
        for decode,tau,weighted in [('balanced', 1., False), ('balanced', .5, False), ('argmax', 0., False), ('argmax', 0., True)]:
            recs = []
            for k in range(5):
                test = (folds.fold == k).to_numpy(); tr = informative & ~test
                sc = StandardScaler().fit(x[tr]); z = sc.transform(x)
                w = None
                if weighted:   # each row: the mean balanced weight of its known labels' classes
                    s,n = np.zeros(len(x)),np.zeros(len(x))
                    for a in attrs:
                        y = Y[a.name]; kn = ~np.isnan(y); bw = (kn & tr).sum() / (a.n_classes * np.maximum(np.bincount(y[kn & tr].astype(int), minlength=a.n_classes), 1))
                        s[kn] += bw[y[kn].astype(int)]; n[kn] += 1
                    w = (s / np.maximum(n, 1))[tr]
                W,b = fit_joint(z[tr], allowed[tr], 1 / (C * tr.sum()), w)
                lg = z @ W + b; P = np.exp(lg - lg.max(1, keepdims=True)); P /= P.sum(1, keepdims=True)
                for a in attrs:
                    spec = P[:, offs[a.name]:offs[a.name] + a.n_classes - 1]; p = np.clip(np.hstack([spec, 1 - spec.sum(1, keepdims=True)]), 1e-9, 1)
                    y = Y[a.name]; kn = ~np.isnan(y); trk,te = kn & ~test,kn & test
                    prior = np.maximum(np.bincount(y[trk].astype(int), minlength=a.n_classes) / trk.sum(), 1e-6)
                    pred = (np.log(p) - tau * np.log(prior))[te].argmax(1); t = y[te].astype(int)
                    maj = np.full_like(t, pd.Series(y[trk]).mode().iloc[0])
                    recs.append(dict(fold=k, attribute=a.name, macro_f1=f1_score(t, pred, average='macro', zero_division=0),
                                     majority=f1_score(t, maj, average='macro', zero_division=0)))
            df = pd.DataFrame(recs); m = df.groupby('attribute').macro_f1.mean(); s = df.groupby('fold').macro_f1.mean(); mj = df.groupby('attribute').majority.mean()
            print(f"C {C:<6} {decode:8s} tau {tau:<3} {'row weights' if weighted else 'no weights ':11s}  neck {m['neck']:.3f} sleeve {m['sleeve_length']:.3f} "
                  f"pattern {m['pattern']:.3f} mean {s.mean():.3f} ± {s.std():.3f}  folds {' '.join(f'{v:.3f}' for v in s)}  (majority {mj.mean():.3f})", flush=True)

if __name__ == '__main__': main()
