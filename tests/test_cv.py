"Cross-validation and the label audit from the command line, and one validation shared by check, train and cv."
import re, pandas as pd, pytest
from conftest import SAMPLE
from test_check import make_data, jpeg

def run_cmd(cmd, *args, capsys)->tuple[int, str, str]:
    "Exit status, stdout and stderr of console command function `cmd` run in this process."
    capsys.readouterr()
    try: cmd(*args); code = 0
    except SystemExit as e: code = e.code
    out,err = capsys.readouterr()
    return code, out, err

ROWS_OK = [f'a{i}.jpg,{i%3},{i%2},{i%4}' for i in range(30)]
BAD = {   # name -> rows of attributes.csv; each breaks training in a way check must see first
    'no_sleeve_labels': [f'a{i}.jpg,{i%3},,{i%4}' for i in range(30)],
    'one_pattern_class': [f'a{i}.jpg,{i%3},{i%2},2' for i in range(30)],
    'header_only': [],
}

@pytest.mark.parametrize('name', sorted(BAD))
def test_check_train_and_cv_give_the_same_error(name, tmp_path, monkeypatch, capsys):
    from fashion_attrs.cli import check_cmd, train_cmd, cv_cmd
    monkeypatch.setenv('FASHION_ATTRS_CACHE', str(tmp_path/'cache'))
    root = make_data(tmp_path/'d', BAD[name], {f'a{i}.jpg': jpeg('red') for i in range(30)})
    errors = []
    for cmd,args in [(check_cmd, [str(root)]), (train_cmd, [str(root), str(tmp_path/'out'/'m.pkl')]),
                     (cv_cmd, [str(root), str(tmp_path/'cv')])]:
        code,out,err = run_cmd(cmd, *args, capsys=capsys)
        assert code == 2 and err.startswith('error: ') and len(err.strip().splitlines()) == 1, (cmd.__name__, code, err)
        errors.append(err)
    assert errors[0] == errors[1] == errors[2], errors
    assert not (tmp_path/'out').exists() and not (tmp_path/'cv').exists()   # nothing written

def test_too_few_labels_for_folds(tmp_path, monkeypatch, capsys):
    from fashion_attrs.cli import cv_cmd
    monkeypatch.setenv('FASHION_ATTRS_CACHE', str(tmp_path/'cache'))
    root = make_data(tmp_path/'d', ROWS_OK[:8], {f'a{i}.jpg': jpeg('red') for i in range(8)})
    code,out,err = run_cmd(cv_cmd, str(root), str(tmp_path/'cv'), None, 5, capsys=capsys)
    assert code == 2 and "has 8 labelled images, too few for 5 folds" in err, err
    assert not (tmp_path/'cv').exists()

def titled_copy(dst, flips:int=12):
    "A copy of the sample with a titles.csv naming each photo's neck type (three of them wrongly) and `flips` sleeve labels changed on purpose."
    import shutil
    from fashion_attrs.data import read_dataset
    from fashion_attrs.schema import FLIXSTOCK
    shutil.copytree(SAMPLE, dst)
    table,_ = read_dataset(dst)
    neck = table.neck.fillna(6).astype(int)
    wrong_titles = table.filename[neck < 5].tolist()[:3]   # these titles name the next neck type instead of the labelled one
    said = [n + (f in wrong_titles) for f,n in zip(table.filename, neck)]   # 6, 'mixed' or unlabelled: the title names no neck type
    titles = [f"men {FLIXSTOCK['neck'].display(s).lower() if s < 6 else ''} t shirt" for s in said]
    pd.DataFrame(dict(filename=table.filename, title=titles)).to_csv(dst/'titles.csv', index=False)
    rows = pd.read_csv(dst/'attributes.csv', dtype=str, keep_default_na=False)
    sleeve = rows.sleeve_length.isin(['0', '1', '2'])
    flipped = rows.filename[sleeve].drop_duplicates(keep=False).tolist()[:flips]   # long <-> short, sleeveless -> long
    swap = {'0': '1', '1': '0', '2': '0'}
    rows.loc[rows.filename.isin(flipped), 'sleeve_length'] = rows.sleeve_length[rows.filename.isin(flipped)].map(swap)
    with open(dst/'attributes.csv', 'w', newline='') as f: rows.to_csv(f, index=False, lineterminator='\r\n')
    return dst, table, wrong_titles, flipped

def test_cv_audit_and_final_model_on_the_sample(tmp_path, monkeypatch, capsys):
    "Two folds of a small head-only recipe on the sample with flipped labels and titles, resumed; the audit finds the flips and the title conflicts; the final model trains on every labelled image."
    from fashion_attrs.cli import cv_cmd, audit_cmd, train_cmd
    from fashion_attrs.inference import load_model
    from fashion_attrs.train import confidence_profile, train, TrainConfig
    from fashion_attrs.model import batch_probs
    from fashion_attrs.audit import temper_oof, apply_temperature
    from fastcore.basics import noop
    monkeypatch.setenv('FASHION_ATTRS_CACHE', str(tmp_path/'cache'))
    data,table,wrong_titles,flipped = titled_copy(tmp_path/'titled')
    cfg = tmp_path/'cfg.json'; cfg.write_text('{"size": 64, "freeze_epochs": 20, "feature_passes": 1, "epochs": 0, "top_epochs": 0}')
    code,out,err = run_cmd(cv_cmd, str(data), str(tmp_path/'cv'), str(cfg), 2, False, '', capsys=capsys)
    assert code == 0, err
    assert 'macro-F1' in out and '±' in out and 'majority' in out
    assert f"{data}: 240 images from " in out   # the data's one-line summary (CleaningReport.brief) before the folds
    summary = pd.read_csv(tmp_path/'cv'/'summary.csv')
    assert summary.attribute.tolist() == ['neck', 'sleeve_length', 'pattern', 'mean']
    oof = pd.read_csv(tmp_path/'cv'/'oof_probs.csv')
    assert len(oof) == 240 and sorted(oof.fold.unique()) == [0, 1]
    code,out,err = run_cmd(cv_cmd, str(data), str(tmp_path/'cv'), str(cfg), 2, False, '', capsys=capsys)
    assert code == 0 and out.count('done before, reused') == 2   # resumed: both folds found saved, nothing trained
    assert pd.read_csv(tmp_path/'cv'/'summary.csv').equals(summary)
    # the audit
    (tmp_path/'kw.json').write_text('{"neck": {"turtle neck": ["turtle"]}}')
    code,out,err = run_cmd(audit_cmd, str(data), str(tmp_path/'cv'), None, 24, True, str(tmp_path/'kw.json'), capsys=capsys)
    assert code == 2 and err.strip() == f"error: {tmp_path/'kw.json'}: neck: 'turtle neck' is not a class of neck", err
    assert not (tmp_path/'cv'/'audit').exists()
    code,out,err = run_cmd(audit_cmd, str(data), str(tmp_path/'cv'), None, 24, True, capsys=capsys)
    assert code == 0, err
    issues = pd.read_csv(tmp_path/'cv'/'audit'/'label_issues.csv')
    assert list(issues.columns) == ['filename', 'attribute', 'given', 'suggested', 'score']
    found = set(issues.filename[issues.attribute == 'sleeve_length'])
    assert len(found & set(flipped)) >= 2 * len(flipped) / 3, (len(found & set(flipped)), len(flipped), len(found))   # most flipped labels found
    cal = pd.read_csv(tmp_path/'cv'/'audit'/'calibration.csv')
    assert cal.attribute.tolist() == ['neck', 'sleeve_length', 'pattern'] and (cal.temperature > 0).all()
    assert (tmp_path/'cv'/'audit'/'label_issues.png').exists()
    rule = pd.read_csv(tmp_path/'cv'/'audit'/'decision_rule.csv')
    assert len(rule) == 2 * 4 and set(rule.fold) == {0, 1} and rule[['argmax_f1', 'offsets_f1']].notna().all().all()
    assert 'decision rule' in out and 'offsets' in out
    spec = pd.read_csv(tmp_path/'cv'/'audit'/'specific_classes.csv')
    assert len(spec) == 2 * 4 and (spec.n_specific < spec.n).all() and spec.specific_f1.between(0, 1).all()
    conflicts = pd.read_csv(tmp_path/'cv'/'audit'/'title_conflicts.csv')
    assert sorted(conflicts.filename) == sorted(wrong_titles) and set(conflicts.attribute) == {'neck'}
    agree = pd.read_csv(tmp_path/'cv'/'audit'/'title_agreement.csv').set_index('attribute')
    assert agree.loc['neck', 'n'] == int(table.neck.notna().sum()) - int((table.neck == 6).sum())   # 'mixed' is in no title
    assert abs(agree.loc['neck', 'agree'] - (1 - 3 / agree.loc['neck', 'n'])) < 1e-9
    code,out,err = run_cmd(audit_cmd, str(data), str(tmp_path/'nowhere'), capsys=capsys)
    assert code == 2 and 'no oof_probs.csv' in err
    other = make_data(tmp_path/'other', ROWS_OK, {f'a{i}.jpg': jpeg('red') for i in range(30)})
    code,out,err = run_cmd(audit_cmd, str(other), str(tmp_path/'cv'), str(tmp_path/'other_audit'), capsys=capsys)   # another data set than the one cross-validated
    assert code == 2 and err.strip() == (f"error: {tmp_path/'cv'}: its cross-validation covered 240 photos, this data has 30 "
                                         "(30 not cross-validated, 240 no longer there): run fashion-attrs-cv on this data first"), err
    assert not (tmp_path/'other_audit').exists()
    # the final model: the cross-validated recipe on every labelled image, the CV summary as its estimate
    model = tmp_path/'final'/'m.pkl'
    code,out,err = run_cmd(train_cmd, str(data), str(model), str(cfg), None, '', str(tmp_path/'cv'), capsys=capsys)
    assert code == 2 and err.strip() == 'error: give --config or --cv, not both: --cv trains the recipe that was cross-validated', err
    code,out,err = run_cmd(train_cmd, str(data), str(model), None, None, '', str(tmp_path/'nowhere'), capsys=capsys)
    assert code == 2 and 'nowhere: no finished cross-validation' in err and not model.parent.exists()
    code,out,err = run_cmd(train_cmd, str(other), str(model), None, None, '', str(tmp_path/'cv'), capsys=capsys)
    assert code == 2 and err.strip() == (f"error: {tmp_path/'cv'}: its cross-validation covered 240 photos, this data has 30 "
                                         "(30 not cross-validated, 240 no longer there): run fashion-attrs-cv on this data first"), err
    assert not model.parent.exists()
    code,out,err = run_cmd(train_cmd, str(data), str(model), None, None, '', str(tmp_path/'cv'), capsys=capsys)
    assert code == 0, err
    assert 'trained on every labelled image' in out and 'macro-F1' in out and '±' in out
    assert out.count(f"{data}: 240 images from ") == 1   # said once, by the training
    assert pd.read_csv(model.with_suffix('.cv_scores.csv')).equals(summary)
    assert not model.with_suffix('.test_scores.csv').exists()
    final = load_model(model); info = final.model_info
    assert info.split_sizes == {'train': 240} and info.config['holdout'] is False and info.config['size'] == 64
    assert pd.DataFrame(info.cv_estimate).equals(summary)
    # its outputs are divided by the temperatures the audit fitted on the out-of-fold probabilities
    temps = dict(zip(cal.attribute, cal.temperature))
    assert info.temperatures == pytest.approx(temps, rel=1e-9) and all(abs(t - 1) > .01 for t in temps.values()), (info.temperatures, temps)
    assert 'probabilities tempered' in out and re.search(r'\nneck +\d\.\d{3} -> \d\.\d{3} \(temperature \d+\.\d\d\)', out), out
    oof = pd.read_csv(tmp_path/'cv'/'oof_probs.csv')   # the confidence profile is the cross-validation's, not the training photos', tempered
    layout = final.loss_func.layout
    tempered = temper_oof(oof, layout, temps)
    assert info.confidence == confidence_profile(tempered[layout.vocab].to_numpy(), layout, 'out-of-fold photos of the cross-validation')
    assert info.confidence != confidence_profile(oof[layout.vocab].to_numpy(), layout, 'out-of-fold photos of the cross-validation')
    assert info.confidence['neck']['n'] == 240
    # the same recipe and seed trained without temperatures answers the same classes with the untempered probabilities
    raw = train(data, tmp_path/'raw'/'m.pkl', TrainConfig(**info.config), say=noop).learn
    rows = table.head(16)
    p_final,p_raw = batch_probs(final, rows).numpy(),batch_probs(raw, rows).numpy()
    for a,t in temps.items():
        s = layout.slices[a]
        assert abs(p_final[:, s] - apply_temperature(p_raw[:, s], t)).max() < 1e-4, a
        assert (p_final[:, s].argmax(1) == p_raw[:, s].argmax(1)).all()
    for s in layout.specific_slices.values(): assert abs(p_final[:, s] - p_raw[:, s]).max() < 1e-4   # the specific blocks are not tempered
    assert re.search(r'exported .*m\.pkl after \d+\.\d min \(the command.s time; training itself [\d.]+ min\)', out), out

def test_cv_folds_shared_by_two_runs(tmp_path, monkeypatch, capsys):
    "`--only` splits one run's folds between processes: the first share writes no summary, the last one writes it; a fold outside 0..FOLDS-1 is a one-line error."
    from fashion_attrs.cli import cv_cmd
    monkeypatch.setenv('FASHION_ATTRS_CACHE', str(tmp_path/'cache'))
    cfg = tmp_path/'cfg.json'; cfg.write_text('{"size": 64, "freeze_epochs": 5, "feature_passes": 1, "epochs": 0, "top_epochs": 0}')   # the head alone: the folds' sharing is what is tested
    cv = tmp_path/'cv'
    code,out,err = run_cmd(cv_cmd, str(SAMPLE), str(cv), str(cfg), 3, False, '', [5], capsys=capsys)
    assert code == 2 and err.strip() == "error: only: fold(s) [5] not among the 3 folds 0..2", err
    assert not cv.exists()
    code,out,err = run_cmd(cv_cmd, str(SAMPLE), str(cv), str(cfg), 3, False, '', [2, 0], capsys=capsys)
    assert code == 0, err
    assert out.count('left to another process') == 1 and f"2 of 3 folds are in {cv}; the summary is written once every fold is" in out, out
    assert sorted(p.name for p in cv.glob('fold_*.json')) == ['fold_0.json', 'fold_2.json'] and not (cv/'summary.csv').exists()
    code,out,err = run_cmd(cv_cmd, str(SAMPLE), str(cv), str(cfg), 3, False, '', [1], capsys=capsys)
    assert code == 0 and out.count('done before, reused') == 2 and 'mean ± sd over the folds' in out, out
    oof = pd.read_csv(cv/'oof_probs.csv')
    assert sorted(oof.fold.unique()) == [0, 1, 2] and oof.filename.is_unique
    assert pd.read_csv(cv/'summary.csv').attribute.tolist() == ['neck', 'sleeve_length', 'pattern', 'mean']

def test_audit_reads_the_runs_schema_and_outputs(tmp_path, monkeypatch, capsys):
    "The audit lays the out-of-fold columns out as the cross-validated recipe did: its own schema's attributes and their #N/A outputs."
    import dataclasses, json, numpy as np
    from fashion_attrs.cli import audit_cmd
    from fashion_attrs.schema import Schema, Attribute
    from fashion_attrs.train import TrainConfig
    monkeypatch.setenv('FASHION_ATTRS_CACHE', str(tmp_path/'cache'))
    (sp := tmp_path/'schema.json').write_text(json.dumps(Schema([Attribute('collar', 3), Attribute('fit', 2)]).to_dict()))
    root = make_data(tmp_path/'d', [], {f'a{i}.jpg': jpeg('red') for i in range(40)})
    (root/'attributes.csv').write_text('\r\n'.join(['filename,collar,fit'] + [f'a{i}.jpg,{i%3},{"#N/A" if i%5 == 0 else i%2}' for i in range(40)]) + '\r\n')
    cfg = TrainConfig(schema=str(sp), na_class=True, specific_output=False)
    cv = tmp_path/'cv'; cv.mkdir()
    for k in (0, 1): (cv/f'fold_{k}.json').write_text(json.dumps(dict(config=dataclasses.asdict(cfg), fold=k)))
    (cv/'summary.csv').write_text('attribute,macro_f1\ncollar,0.5\n')
    rng = np.random.default_rng(0); lay = cfg.layout
    assert lay.vocab == ['collar:0', 'collar:1', 'collar:2', 'collar:#N/A', 'fit:0', 'fit:1', 'fit:#N/A']
    p = np.concatenate([rng.dirichlet(np.ones(4), 40), rng.dirichlet(np.ones(3), 40)], 1)
    pd.concat([pd.DataFrame(dict(filename=[f'a{i}.jpg' for i in range(40)], fold=[i % 2 for i in range(40)])), pd.DataFrame(p, columns=lay.vocab)], axis=1).to_csv(cv/'oof_probs.csv', index=False)
    code,out,err = run_cmd(audit_cmd, str(root), str(cv), None, 4, capsys=capsys)
    assert code == 0, err
    cal = pd.read_csv(cv/'audit'/'calibration.csv')
    assert cal.attribute.tolist() == ['collar', 'fit'] and cal.n.tolist() == [40, 32], cal
    rule = pd.read_csv(cv/'audit'/'decision_rule.csv')
    assert sorted(set(rule.attribute)) == ['collar', 'fit', 'mean'] and len(rule) == 2 * 3
    # titles: the default keyword map names FlixStock's attributes, so this schema needs its own
    code,out,err = run_cmd(audit_cmd, str(root), str(cv), str(tmp_path/'a2'), 4, True, capsys=capsys)
    assert code == 2 and err.strip() == f"error: --titles: the run's schema {sp} needs a keyword map (--title-keywords FILE); the default map names FlixStock's attributes", err
    assert not (tmp_path/'a2').exists()
    (kw := tmp_path/'kw.json').write_text('{"collar": {"0": ["crew"], "1": ["polo"]}}')
    pd.DataFrame(dict(filename=[f'a{i}.jpg' for i in range(40)], title=['crew neck tee', 'polo tee', 'plain tee', 'tee'] * 10)).to_csv(root/'titles.csv', index=False)
    code,out,err = run_cmd(audit_cmd, str(root), str(cv), str(tmp_path/'a2'), 4, True, str(kw), capsys=capsys)
    assert code == 0, err
    agree = pd.read_csv(tmp_path/'a2'/'title_agreement.csv').set_index('attribute')
    titled = [i for i in range(40) if i % 4 < 2]   # photo i's title names class i % 4 (crew 0, polo 1) or none; its label is i % 3
    assert agree.loc['collar', 'n'] == 20 and agree.loc['collar', 'agree'] == np.mean([i % 4 == i % 3 for i in titled]) == 0.4, agree
    assert agree.loc['fit', 'n'] == 0   # the map names no fit
