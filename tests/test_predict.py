"End-to-end checks of `fashion-attrs-predict` with a tiny model trained once on the sample."
import json, shutil, zipfile
from pathlib import Path
import pandas as pd
import pytest
from conftest import run, SAMPLE

@pytest.fixture(scope='module')
def model(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('model')
    cfg = tmp/'cfg.json'; cfg.write_text(json.dumps(dict(size=128, freeze_epochs=1, epochs=1, lr_find_iters=10)))
    r = run('fashion-attrs-train', '--data', SAMPLE, '--out', tmp/'m.pkl', '--config', cfg)
    assert r.returncode == 0, r.stderr
    return tmp/'m.pkl'

@pytest.fixture
def images(tmp_path):
    d = tmp_path/'imgs'; d.mkdir()
    photos = sorted((SAMPLE/'images').glob('*.jpg'))[:4]
    for p in photos: shutil.copy(p, d/p.name)
    (d/'Thumbs.db').write_bytes((SAMPLE/'images'/'Thumbs.db').read_bytes())
    (d/'zero.jpg').write_bytes(b'')
    (d/'cut.jpg').write_bytes(photos[0].read_bytes()[:500])
    return d, [p.name for p in photos]

def test_predict_folder_with_bad_files(model, images, tmp_path):
    d,good = images
    out = tmp_path/'Output.csv'
    r = run('fashion-attrs-predict', d, '--model', model, '--out', out)
    assert r.returncode == 0, r.stderr
    assert out.read_text().splitlines()[0] == 'filename,neck,sleeve_length,pattern'
    df = pd.read_csv(out)
    assert list(df.filename) == sorted(good)
    for col,n in [('neck',7), ('sleeve_length',4), ('pattern',10)]:
        assert df[col].dtype.kind == 'i' and df[col].between(0, n-1).all()
    err = pd.read_csv(tmp_path/'Output.errors.csv')
    assert list(err.columns) == ['filename','reason']
    reasons = dict(zip(err.filename, err.reason))
    assert sorted(reasons) == ['Thumbs.db','cut.jpg','zero.jpg']
    assert reasons['Thumbs.db'] == 'not an image' and reasons['zero.jpg'] == 'does not decode: zero bytes'
    assert reasons['cut.jpg'].startswith('does not decode')
    assert 'skipped zero.jpg: does not decode: zero bytes' in r.stderr
    assert 'predicted 4 images, skipped 3' in r.stdout

def test_probs_and_names(model, images, tmp_path):
    d,good = images
    out = tmp_path/'Output.csv'
    r = run('fashion-attrs-predict', d, '--model', model, '--out', out, '--probs', '--names')
    assert r.returncode == 0, r.stderr
    pr = pd.read_csv(tmp_path/'Output.probs.csv')
    assert len(pr) == len(good) and pr.shape[1] == 1 + 21 and pr.columns[1] == 'neck_0'

def test_bad_model_is_a_clear_error(images, tmp_path):
    d,_ = images
    bad = tmp_path/'bad.pkl'; bad.write_text('not a model')
    out = tmp_path/'Output.csv'; out.write_text('keep me\n')
    r = run('fashion-attrs-predict', d, '--model', bad, '--out', out)
    assert r.returncode == 2
    errs = [l for l in r.stderr.splitlines() if l.startswith('error: ')]   # torch may print import-time warnings too
    assert len(errs) == 1 and 'bad.pkl' in errs[0] and 'not a readable fastai model' in errs[0], r.stderr
    assert 'Traceback' not in r.stderr
    assert out.read_text() == 'keep me\n'
    r = run('fashion-attrs-predict', d, '--model', tmp_path/'nowhere.pkl', '--out', out)
    assert r.returncode == 2 and 'no such model file' in r.stderr

def test_no_readable_images_keeps_output(model, tmp_path):
    d = tmp_path/'bad'; d.mkdir()
    (d/'zero.jpg').write_bytes(b''); (d/'Thumbs.db').write_bytes(b'\0' * 64)
    out = tmp_path/'Output.csv'; out.write_text('filename,neck,sleeve_length,pattern\nold.jpg,1,1,1\n')
    before = out.read_bytes()
    r = run('fashion-attrs-predict', d, '--model', model, '--out', out)
    assert r.returncode == 2 and 'error: ' in r.stderr and 'no readable images' in r.stderr, r.stderr
    assert 'Traceback' not in r.stderr
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ['Output.csv', 'bad']

def test_zip_several_files_and_one_image(model, images, tmp_path):
    d,good = images
    z = tmp_path/'photos.zip'
    with zipfile.ZipFile(z, 'w') as f:
        for n in good + ['zero.jpg']: f.write(d/n, f'images/{n}')
    r = run('fashion-attrs-predict', z, '--model', model, '--out', tmp_path/'zip.csv')
    assert r.returncode == 0, r.stderr
    by_zip = pd.read_csv(tmp_path/'zip.csv')
    assert list(by_zip.filename) == sorted(good) and 'skipped zero.jpg' in r.stderr
    r = run('fashion-attrs-predict', d/good[1], d/good[0], d/'Thumbs.db', '--model', model, '--out', tmp_path/'files.csv')
    assert r.returncode == 0, r.stderr
    by_files = pd.read_csv(tmp_path/'files.csv')
    assert list(by_files.filename) == sorted(good[:2])
    pd.testing.assert_frame_equal(by_files, by_zip.iloc[:2])   # the same predictions however the images arrive
    r = run('fashion-attrs-predict', d/good[2], '--model', model, '--out', tmp_path/'one.csv')
    assert r.returncode == 0 and pd.read_csv(tmp_path/'one.csv').filename.tolist() == [good[2]]
    r = run('fashion-attrs-predict', d/good[2], d/'gone.jpg', '--model', model, '--out', tmp_path/'x.csv')
    assert r.returncode == 2 and 'gone.jpg: no such file or folder' in r.stderr and not (tmp_path/'x.csv').exists()
