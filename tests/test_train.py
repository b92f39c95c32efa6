"End-to-end: `fashion-attrs-train` on the embedded sample, and the exported model in a fresh process."
import json, subprocess, sys, textwrap
import pandas as pd
from conftest import run, SAMPLE

# the defaults at 96x72, a third of the photos' size: the training command took 1 min 57 s on one thread, test mean
# macro-F1 0.813 (majority class 0.091); at 150x112 this test took 257 s. 07_train's notebook trains on the sample at the
# same size; the defaults at full size train on real data in its `flixstock` cell
SMALLER = dict(size=[96, 72])

def test_train_on_sample_beats_majority_and_loads_in_new_process(tmp_path):
    out = tmp_path/'sample.pkl'
    (tmp_path/'cfg.json').write_text(json.dumps(SMALLER))
    (tmp_path/'sample.lr_find.png').write_bytes(b'the plot of an earlier model at this path')
    r = run('fashion-attrs-train', SAMPLE, '--out', out, '--config', tmp_path/'cfg.json', '--log-dir', tmp_path/'runs')
    assert r.returncode == 0, r.stderr[-3000:]
    for suffix in ['.history.csv', '.history.png', '.config.json', '.test_scores.csv']:
        assert (tmp_path/f'sample{suffix}').exists(), suffix
    assert not (tmp_path/'sample.lr_find.png').exists()   # the default recipe reads no lr, so lr_find does not run (test_distributed's recipe does), and the earlier model's plot is gone
    assert 'lr_find: skipped, no phase of this recipe trains at lr' in r.stdout, r.stdout[-3000:]
    scores = pd.read_csv(tmp_path/'sample.test_scores.csv').set_index('attribute')
    # the run in TensorBoard: one folder for the run, the head's valid scores per epoch as in the CSV log, the test scores beside the settings
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    (logged,) = (tmp_path/'runs').iterdir()
    assert logged.name.endswith('-train-sample'), logged.name
    head = pd.read_csv(tmp_path/'sample.history.csv').query("phase == 'head'").mean_f1
    assert [round(e.value, 5) for e in EventAccumulator(str(logged/'head')).Reload().Scalars('mean_f1')] == [round(v, 5) for v in head]
    final = EventAccumulator(str(logged)).Reload()
    assert abs(final.Scalars('test/mean_macro_f1')[0].value - scores.loc['mean'].macro_f1) < 1e-6
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
    member = lambda k: [f'top stages{k}'] * 4 + [f'refit{k}', f'average{k}']
    assert history.phase.tolist() == ['head'] + member('') + member(' 2') + ['members']   # the defaults: the head fitted as a logistic regression on cached features (one row); in each of 2 members, 4 epochs of the top stages (the head at a tenth of their rate) from it over the whole photo and its crop, the regression refitted and averaged with the tuned head; no unfrozen epochs (benchmarks/README.md)
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

def test_same_seed_same_model_on_a_first_and_a_later_run(tmp_path):
    "The first run maps the backbone's weights into an empty cache, the second finds them there: the same seed must train the same model."
    import os
    (tmp_path/'cfg.json').write_text(json.dumps(dict(size=32, freeze_epochs=2, feature_passes=1, epochs=1, seed=3)))
    env = {**os.environ, 'FASHION_ATTRS_CACHE': str(tmp_path/'cache')}
    probs = []
    for k in range(2):
        r = run('fashion-attrs-train', SAMPLE, '--out', tmp_path/f'm{k}.pkl', '--config', tmp_path/'cfg.json', '--log-dir', '', env=env)
        assert r.returncode == 0, r.stderr[-3000:]
        r = run('fashion-attrs-predict', SAMPLE/'images', '--model', tmp_path/f'm{k}.pkl', '--out', tmp_path/f'o{k}.csv', '--probs', env=env)
        assert r.returncode == 0, r.stderr[-3000:]
        probs.append(pd.read_csv(tmp_path/f'o{k}.probs.csv'))
    assert (tmp_path/'cache'/'weights').is_dir()   # the first run filled the cache
    assert len(probs[0]) == 240 and probs[0].iloc[:, 1:].std().mean() > 1e-3   # a model that tells photos apart
    pd.testing.assert_frame_equal(probs[0], probs[1])
