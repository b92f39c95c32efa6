"End-to-end checks of `fashion-attrs-predict` with a tiny model trained once on the sample."
import json, os, shutil, subprocess, sys, textwrap, zipfile
from pathlib import Path
import pandas as pd
import pytest
from conftest import run, SAMPLE, ROOT

@pytest.fixture(scope='module')
def model(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('model')
    cfg = tmp/'cfg.json'; cfg.write_text(json.dumps(dict(size=128, lr_find_iters=10, top_epochs=0)))
    r = run('fashion-attrs-train', '--data', SAMPLE, '--out', tmp/'m.pkl', '--config', cfg, '--log-dir', '')
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

def predict(model, *args, out):
    "Run `fashion-attrs-predict` on `args`; the process and the filenames of `out` (None if it failed)."
    r = run('fashion-attrs-predict', *args, '--model', model, '--out', out)
    return r, (pd.read_csv(out).filename.tolist() if r.returncode == 0 else None)

def one_error_line(r):
    "The stderr of a failed command is one `error: ...` line (torch may print import-time warnings too)."
    errs = [l for l in r.stderr.splitlines() if l.startswith('error: ')]
    assert r.returncode == 2 and len(errs) == 1 and 'Traceback' not in r.stderr, r.stderr
    return errs[0]

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
    assert len(pr) == len(good) and pr.shape[1] == 1 + 21 + 18 and pr.columns[1] == 'neck:henley'   # 21 classes, then 18 specific ones
    assert [c.split(':')[0] for c in pr.columns[1:]] == ['neck']*7 + ['sleeve_length']*4 + ['pattern']*10 + ['specific']*18
    assert pr.columns[22] == 'specific:neck:henley' and 'neck:specific:mixed' not in pr.columns
    names = pd.read_csv(out)
    assert names.neck.isin(['henley', 'hooded', 'mandarin collar', 'polo collar', 'round neck', 'V-neck', 'mixed']).all()

def test_specific_classes_sidecar(model, images, tmp_path):
    "--specific writes each photo's most likely specific class beside Output.csv, never the catch-all; Output.csv is unchanged by it."
    d,good = images
    r = run('fashion-attrs-predict', d, '--model', model, '--out', tmp_path/'Output.csv', '--specific', '--names', '--probs')
    assert r.returncode == 0, r.stderr
    sp,pr = pd.read_csv(tmp_path/'Output.specific.csv'),pd.read_csv(tmp_path/'Output.probs.csv')
    assert sp.columns.tolist() == ['filename', 'neck', 'neck_prob', 'sleeve_length', 'sleeve_length_prob', 'pattern', 'pattern_prob']
    assert len(sp) == len(good) and sp.filename.tolist() == pr.filename.tolist()
    assert not sp.neck.isin(['mixed']).any() and not sp.pattern.isin(['mixed']).any()
    for a in ['neck', 'sleeve_length', 'pattern']:   # the named class is the largest of the specific block, its probability that output
        block = pr[[c for c in pr.columns if c.startswith(f'specific:{a}:')]]
        assert (sp[a] == block.idxmax(axis=1).str.split(':').str[-1]).all()
        assert (abs(sp[f'{a}_prob'] - block.max(axis=1)) < 1e-5).all() and (abs(block.sum(axis=1) - 1) < 1e-4).all()
    r2 = run('fashion-attrs-predict', d, '--model', model, '--out', tmp_path/'Plain.csv', '--names')
    assert r2.returncode == 0 and (tmp_path/'Plain.csv').read_text() == (tmp_path/'Output.csv').read_text()

def test_bad_model_is_a_clear_error(images, tmp_path):
    d,_ = images
    bad = tmp_path/'bad.pkl'; bad.write_text('not a model')
    out = tmp_path/'Output.csv'; out.write_text('keep me\n')
    r = run('fashion-attrs-predict', d, '--model', bad, '--out', out)
    err = one_error_line(r)
    assert 'bad.pkl' in err and 'not a readable fastai model' in err, r.stderr
    assert out.read_text() == 'keep me\n'
    r = run('fashion-attrs-predict', d, '--model', tmp_path/'nowhere.pkl', '--out', out)
    assert 'no such model file' in one_error_line(r)

def test_no_readable_images_keeps_output(model, tmp_path):
    d = tmp_path/'bad'; d.mkdir()
    (d/'zero.jpg').write_bytes(b''); (d/'Thumbs.db').write_bytes(b'\0' * 64)
    out = tmp_path/'Output.csv'; out.write_text('filename,neck,sleeve_length,pattern\nold.jpg,1,1,1\n')
    before = out.read_bytes()
    r = run('fashion-attrs-predict', d, '--model', model, '--out', out)
    assert 'no readable images' in one_error_line(r)
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
    assert 'gone.jpg: no such file or folder' in one_error_line(r) and not (tmp_path/'x.csv').exists()

# (a) the filename column depends only on what is given, never on what else is in the folder

def test_names_relative_to_the_folder_given(model, tmp_path):
    photos = sorted((SAMPLE/'images').glob('*.jpg'))[:3]
    d = tmp_path/'nested'; (d/'sub').mkdir(parents=True)
    shutil.copy(photos[0], d/'sub'/'a.jpg')
    r,names = predict(model, d, out=tmp_path/'o1.csv')
    assert r.returncode == 0, r.stderr
    assert names == ['sub/a.jpg']                         # a lone subfolder is not dropped from the name
    shutil.copy(photos[1], d/'b.jpg'); (d/'sub'/'deeper').mkdir(); shutil.copy(photos[2], d/'sub'/'deeper'/'c.jpg')
    r,names = predict(model, d, out=tmp_path/'o2.csv')
    assert names == ['b.jpg', 'sub/a.jpg', 'sub/deeper/c.jpg'], r.stderr
    r,names = predict(model, d/'sub', out=tmp_path/'o3.csv')
    assert names == ['a.jpg', 'deeper/c.jpg'], r.stderr

def test_names_of_zips_with_and_without_top_folder(model, tmp_path):
    photos = sorted((SAMPLE/'images').glob('*.jpg'))[:2]
    members = {'a.jpg': photos[0], 'sub/b.jpg': photos[1]}
    for name,prefix in [('flat.zip', ''), ('top.zip', 'photos/')]:
        with zipfile.ZipFile(tmp_path/name, 'w') as z:
            for m,p in members.items(): z.write(p, prefix + m)
    env = {**os.environ, 'FASHION_ATTRS_CACHE': str(tmp_path/'cache')}
    for name in ['flat.zip', 'top.zip']:
        r = run('fashion-attrs-predict', tmp_path/name, '--model', model, '--out', tmp_path/f'{name}.csv', env=env)
        assert r.returncode == 0, r.stderr
        assert pd.read_csv(tmp_path/f'{name}.csv').filename.tolist() == ['a.jpg', 'sub/b.jpg'], name

def test_names_of_a_data_set_and_of_single_files(model, tmp_path):
    r,names = predict(model, SAMPLE, out=tmp_path/'set.csv')   # a data set: named as in its attributes.csv
    assert r.returncode == 0, r.stderr
    assert names == sorted(p.name for p in (SAMPLE/'images').glob('*.jpg'))
    assert 'attributes.csv' not in r.stderr and 'skipped Thumbs.db: not an image' in r.stderr
    photos = sorted((SAMPLE/'images').glob('*.jpg'))
    other = tmp_path/'other'; other.mkdir(); shutil.copy(photos[5], other/'z.jpg')
    r,names = predict(model, photos[3], other/'z.jpg', photos[1], out=tmp_path/'files.csv')
    assert names == sorted([photos[1].name, photos[3].name, 'z.jpg']), r.stderr

# (b) a rerun leaves no sidecar of an earlier run

def test_stale_sidecars_are_removed(model, images, tmp_path):
    d,good = images
    out = tmp_path/'Output.csv'
    r = run('fashion-attrs-predict', d, '--model', model, '--out', out, '--probs')
    assert r.returncode == 0, r.stderr
    assert (tmp_path/'Output.errors.csv').exists() and (tmp_path/'Output.probs.csv').exists()
    for n in ['Thumbs.db', 'zero.jpg', 'cut.jpg']: (d/n).unlink()
    r = run('fashion-attrs-predict', d, '--model', model, '--out', out)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ['Output.csv', 'imgs']
    assert r.stdout.count('wrote ') == 1

# (c) an output that cannot be written is an error before any photo is predicted

@pytest.fixture
def read_only_dir(tmp_path):
    d = tmp_path/'ro'; d.mkdir(); d.chmod(0o555)
    if os.geteuid() == 0: d = Path('/sys')   # root writes into any folder of a normal file system; sysfs takes no new files
    if os.access(d, os.W_OK) and os.geteuid() != 0: pytest.skip(f'{d} is writable')
    yield d
    (tmp_path/'ro').chmod(0o755)

@pytest.mark.parametrize('where,message', [('read_only', 'cannot write there'), ('folder', 'is a folder'),
                                           ('no_parent', 'no such folder')])
def test_unwritable_out_fails_first(model, images, tmp_path, read_only_dir, where, message):
    d,_ = images
    out = dict(read_only=read_only_dir/'Output.csv', folder=tmp_path, no_parent=tmp_path/'missing'/'Output.csv')[where]
    for m in [model, tmp_path/'not_even_a_model.pkl']:   # checked before the model is loaded, so before any photo
        r = run('fashion-attrs-predict', d, '--model', m, '--out', out)
        assert message in one_error_line(r) and r.stdout == '' and 'skipped' not in r.stderr
    assert not (tmp_path/'missing').exists()

# (d) labelled copies of photos that share a name do not overwrite each other

def test_labeled_images_of_same_named_photos(model, tmp_path):
    photos = sorted((SAMPLE/'images').glob('*.jpg'))[:3]
    for i,p in enumerate(photos[:2]): (tmp_path/f'd{i}').mkdir(); shutil.copy(p, tmp_path/f'd{i}'/'a.jpg')
    shutil.copy(photos[2], tmp_path/'d1'/'a.png')
    lab = tmp_path/'labeled'
    r = run('fashion-attrs-predict', tmp_path/'d0'/'a.jpg', tmp_path/'d1'/'a.jpg', tmp_path/'d1'/'a.png',
            '--model', model, '--out', tmp_path/'Output.csv', '--labeled-images', lab)
    assert r.returncode == 0, r.stderr
    assert pd.read_csv(tmp_path/'Output.csv').filename.tolist() == ['a.jpg', 'a.jpg', 'a.png']
    assert sorted(p.name for p in lab.iterdir()) == ['a-2.jpg', 'a-3.jpg', 'a.jpg'] and 'wrote 3 labelled copies' in r.stdout
    assert len({p.read_bytes() for p in lab.iterdir()}) == 3
    r = run('fashion-attrs-predict', tmp_path/'d0', '--model', model, '--out', tmp_path/'o2.csv', '--labeled_images', tmp_path/'lab2')
    assert r.returncode == 0 and sorted(p.name for p in (tmp_path/'lab2').iterdir()) == ['a.jpg'], r.stderr

# every engine writes the Output.csv of fastai's own numbers (the torch engine runs `get_preds`'s transforms and forward:
# nbs/06a_engine.ipynb checks it against `learn.get_preds`), byte for byte

@pytest.fixture(scope='module')
def torch_output(model, tmp_path_factory):
    out = tmp_path_factory.mktemp('torch')/'Output.csv'
    r = run('fashion-attrs-predict', SAMPLE/'images', '--model', model, '--out', out, '--engine', 'torch')
    assert r.returncode == 0, r.stderr
    return out.read_bytes()

@pytest.mark.parametrize('engine', ['openvino', 'onnxruntime'])
def test_graph_engines_write_fastais_predictions(model, tmp_path, engine, torch_output):
    r = run('fashion-attrs-predict', SAMPLE/'images', '--model', model, '--out', tmp_path/'Output.csv', '--engine', engine)
    assert r.returncode == 0, r.stderr
    assert (tmp_path/'Output.csv').read_bytes() == torch_output
    assert len(torch_output.splitlines()) == 1 + len(list((SAMPLE/'images').glob('*.jpg')))

# the ONNX engine: its graph is made on first use, then predicting loads neither torch nor fastai, and prints no warning

def test_onnx_engine_needs_neither_torch_nor_fastai(model, images, tmp_path):
    d,good = images
    r = run('fashion-attrs-predict', d, '--model', model, '--out', tmp_path/'o1.csv')
    assert r.returncode == 0 and model.with_suffix('.onnx').is_file(), r.stderr
    assert 'Warning' not in r.stderr and all(l.startswith('skipped ') for l in r.stderr.splitlines()), r.stderr
    code = textwrap.dedent(f"""
        import sys
        from fashion_attrs.cli import predict_cmd
        sys.argv = ['fashion-attrs-predict', {str(d)!r}, '--model', {str(model)!r}, '--out', {str(tmp_path/'o2.csv')!r}]
        predict_cmd()
        print(sorted(m for m in ('torch', 'fastai', 'timm') if m in sys.modules))""")
    p = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.strip().splitlines()[-1] == '[]', p.stdout + p.stderr
    assert (tmp_path/'o2.csv').read_bytes() == (tmp_path/'o1.csv').read_bytes()

def test_learn_predict_gives_class_name_tokens(model):
    code = textwrap.dedent(f"""
        import warnings; warnings.simplefilter('ignore')
        from fastai.vision.all import load_learner
        learn = load_learner({str(model)!r})
        tokens = learn.predict({str(sorted((SAMPLE/'images').glob('*.jpg'))[0])!r})[0]
        print(repr(list(map(str, tokens))))""")
    p = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-3000:]
    tokens = eval(p.stdout.strip().splitlines()[-1])
    assert [t.split(':')[0] for t in tokens] == ['neck', 'sleeve_length', 'pattern'], tokens
    from fashion_attrs.model import OutputLayout
    assert all(t in OutputLayout().vocab for t in tokens), tokens

# --explain writes one Grad-CAM strip per predicted photo, named like the photo; unreadable files are only skipped

def test_explain_writes_a_strip_per_photo(model, images, tmp_path):
    d,good = images
    r = run('fashion-attrs-predict', d, '--model', model, '--out', tmp_path/'Output.csv', '--explain', tmp_path/'why')
    assert r.returncode == 0, r.stderr
    preds = pd.read_csv(tmp_path/'Output.csv')
    assert sorted(p.name for p in (tmp_path/'why').iterdir()) == sorted(Path(f).with_suffix('.jpg').name for f in preds.filename)
    assert f"wrote {len(preds)} explanation strips" in r.stdout
    from PIL import Image
    w,h = Image.open(next((tmp_path/'why').iterdir())).size
    assert w > 3 * h      # the photo and one heat map per attribute, side by side

# entries that lead nowhere are listed in the errors with why, not dropped

def test_broken_links_and_loops_are_listed(model, images, tmp_path):
    d,good = images
    (d/'gone.jpg').symlink_to(tmp_path/'nowhere.jpg'); (d/'sub').mkdir(); (d/'sub'/'up').symlink_to(d)
    r = run('fashion-attrs-predict', d, '--model', model, '--out', tmp_path/'Output.csv')
    assert r.returncode == 0, r.stderr
    errors = pd.read_csv(tmp_path/'Output.errors.csv').set_index('filename').reason
    assert errors['gone.jpg'] == f"dangling symbolic link (to {tmp_path/'nowhere.jpg'})"
    assert errors['sub/up'] == 'symbolic link loop'
    assert 'skipped gone.jpg: dangling symbolic link' in r.stderr
    assert pd.read_csv(tmp_path/'Output.csv').filename.tolist() == sorted(good)

# an animated image is predicted from its first frame and a tiny one as it is, each with a note on stderr

def test_animated_and_tiny_images_get_a_note(model, tmp_path):
    from PIL import Image
    d = tmp_path/'odd'; d.mkdir()
    frames = [Image.new('RGB', (60, 80), c) for c in ('red', 'green')]
    frames[0].save(d/'anim.gif', save_all=True, append_images=frames[1:])
    Image.new('RGB', (1, 1), 'white').save(d/'dot.png')
    shutil.copy(sorted((SAMPLE/'images').glob('*.jpg'))[0], d/'plain.jpg')
    r = run('fashion-attrs-predict', d, '--model', model, '--out', tmp_path/'Output.csv')
    assert r.returncode == 0, r.stderr
    assert 'note: anim.gif: animated (2 frames): only the first frame is predicted' in r.stderr
    assert 'note: dot.png: tiny (1 x 1 pixels): the prediction says little' in r.stderr
    assert 'plain.jpg' not in r.stderr
    assert pd.read_csv(tmp_path/'Output.csv').filename.tolist() == ['anim.gif', 'dot.png', 'plain.jpg']

# --min-confidence P writes #N/A where the top probability is below P, in the format attributes.csv is read in

def test_min_confidence_writes_na_in_the_labels_format(model, tmp_path):
    from fashion_attrs.data import read_labels
    r = run('fashion-attrs-predict', SAMPLE/'images', '--model', model, '--out', tmp_path/'all.csv', '--probs')
    assert r.returncode == 0, r.stderr
    r = run('fashion-attrs-predict', SAMPLE/'images', '--model', model, '--out', tmp_path/'sure.csv', '--min-confidence', '0.6')
    assert r.returncode == 0, r.stderr
    full,sure,probs = read_labels(tmp_path/'all.csv'), read_labels(tmp_path/'sure.csv'), pd.read_csv(tmp_path/'all.probs.csv')
    assert 'NaN' not in (tmp_path/'sure.csv').read_text() and '#N/A' in (tmp_path/'sure.csv').read_text()
    for a in ['neck', 'sleeve_length', 'pattern']:
        top = probs[[c for c in probs.columns if c.startswith(a + ':')]].max(axis=1)
        assert (sure[a].isna() == (top < 0.6)).all(), a                # #N/A exactly where the model is unsure
        kept = sure[a].notna()
        assert (sure[a][kept] == full[a][kept]).all() and kept.any()      # the confident answers unchanged
    r = run('fashion-attrs-predict', SAMPLE/'images', '--model', model, '--out', tmp_path/'bad.csv', '--min-confidence', '50')
    assert r.returncode == 2 and 'min_confidence must be between 0 and 1, got 50' in r.stderr and not (tmp_path/'bad.csv').exists()
