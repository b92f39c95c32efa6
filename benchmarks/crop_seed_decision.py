"""The crop view's two-seed decision and the fresh-draw test of averaging it with 2 members (benchmarks/README.md, stop 35):
paired differences over the 5 folds, from each run's fold_scores.csv and, for averages, the geometric mean of the
out-of-fold probabilities (as oof_average.py).

Usage: python benchmarks/crop_seed_decision.py [RUNS_FOLDER, default runs/cv/] [DATA, default ../shared/flixstock-dev]"""
import pandas as pd, numpy as np, sys
sys.path.insert(0, 'benchmarks')
from oof_average import fold_scores, read_oofs, geometric_mean
from fashion_attrs.data import read_dataset
from fashion_attrs.model import OutputLayout
R=(sys.argv[1] if len(sys.argv) > 1 else 'runs/cv').rstrip('/') + '/'
table,_ = read_dataset(sys.argv[2] if len(sys.argv) > 2 else '../shared/flixstock-dev'); lay = OutputLayout(specific=True); cols = lay.vocab
def fs(r):
    d=pd.read_csv(R+r+'/fold_scores.csv'); return d.pivot(index='fold',columns='attribute',values='macro_f1')
def combo(a,b):
    g=geometric_mean(read_oofs([R+a, R+b]), cols)
    s=fold_scores(g, table, lay).pivot(index='fold',columns='attribute',values='f1'); s = s.assign(mean=s[['neck','sleeve_length','pattern']].mean(1)); return s
def show(name, d): print(f"{name:58}", ' '.join(f"{k} {d[k].mean():+.3f} ± {d[k].std():.3f} ({(d[k]>0).sum()}/5)" for k in ['neck','sleeve_length','pattern','mean']))
c42,c1,d42,d1=fs('crop_upper'),fs('crop_upper_seed1'),fs('top_average'),fs('top_average_seed1')
print('crop seed1', {k:f"{c1[k].mean():.3f} ± {c1[k].std():.3f}" for k in c1}, 'folds', ' '.join(f'{v:.3f}' for v in c1['mean']))
show('crop seed1 - default seed1', c1-d1)
show('crop seed1 - crop seed42', c1-c42)
show('two seeds each side: crop - default', (c1+c42)/2-(d1+d42)/2)
k1,k42=combo('top_members2_seed1','crop_upper_seed1'),combo('top_members2','crop_upper')
print('combo seed1', {k:f"{k1[k].mean():.3f} ± {k1[k].std():.3f}" for k in ['neck','sleeve_length','pattern','mean']}, 'folds', ' '.join(f'{v:.3f}' for v in k1['mean']))
print('combo seed42 (check)', f"{k42['mean'].mean():.3f} ± {k42['mean'].std():.3f}")
show('combo seed1 - default seed1', k1-d1)
show('two seeds each side: combo - default', (k1+k42)/2-(d1+d42)/2)
m1,m42=fs('top_members2_seed1'),fs('top_members2')
show('two seeds each side: combo - members2', (k1+k42)/2-(m1+m42)/2)
dd=combo('top_average','top_average_seed1'); cc=combo('crop_upper','crop_upper_seed1')
print('crop two seeds averaged', f"{cc['mean'].mean():.3f} ± {cc['mean'].std():.3f}", 'default two seeds averaged', f"{dd['mean'].mean():.3f} ± {dd['mean'].std():.3f}")
show('crop two seeds averaged - default two seeds averaged', cc-dd)
