"End-to-end: `fashion-attrs-train` on the embedded sample, and the exported model in a fresh process."
import json, subprocess, sys, textwrap
import pandas as pd
from conftest import run, SAMPLE

def test_train_on_sample_beats_majority_and_loads_in_new_process(tmp_path):
    out = tmp_path/'sample.pkl'
    r = run('fashion-attrs-train', SAMPLE, '--out', out)
    assert r.returncode == 0, r.stderr[-3000:]
    for suffix in ['.history.csv', '.history.png', '.lr_find.png', '.config.json', '.test_scores.csv']:
        assert (tmp_path/f'sample{suffix}').exists(), suffix
    scores = pd.read_csv(tmp_path/'sample.test_scores.csv').set_index('attribute')
    for attr in ['neck', 'sleeve_length', 'pattern']:
        s = scores.loc[attr]
        assert s.macro_f1 > s.majority_macro_f1 + 0.2, scores
    assert scores.loc['mean'].accuracy > scores.loc['mean'].majority_accuracy, scores
    r = run('fashion-attrs-eval', '--data', SAMPLE, '--model', out, '--out', tmp_path/'report')
    assert r.returncode == 0, r.stderr[-3000:]
    report = json.loads((tmp_path/'report'/'report.json').read_text())
    m = pd.DataFrame(report['metrics']).set_index(['attribute', 'metric'])
    for attr in ['neck', 'sleeve_length', 'pattern']:   # the same test part as the training command's scores
        assert abs(m.loc[(attr, 'f1_macro'), 'model'] - scores.loc[attr].macro_f1) < 1e-6
        assert m.loc[(attr, 'balanced_accuracy'), 'model'] > m.loc[(attr, 'balanced_accuracy'), 'majority'] + 0.2
    assert (tmp_path/'report'/'confusion_matrices.png').exists() and (tmp_path/'report'/'confident_mistakes.png').exists()
    history = pd.read_csv(tmp_path/'sample.history.csv')
    assert list(history.phase.unique()) == ['head', 'fine-tune']
    code = textwrap.dedent(f"""
        from fastai.vision.all import load_learner
        from fashion_attrs.model import batch_probs
        learn = load_learner({str(out)!r})
        codes, probs = learn.loss_func.layout.decode(batch_probs(learn, [{str(SAMPLE/'images'/'sample-0001-d9c282.jpg')!r}]))
        print(codes.tolist(), float(probs.min()))""")
    p = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-3000:]
    codes = eval(p.stdout.strip().splitlines()[-1].split(']] ')[0] + ']]')
    assert len(codes[0]) == 3 and 0 <= codes[0][0] < 7 and 0 <= codes[0][1] < 4 and 0 <= codes[0][2] < 10
