"Bad and hostile data sets: each gives one clear line (exit status 2) or a line in the cleaning report, and writes nothing."
import os, zipfile
from pathlib import Path
import numpy as np, pandas as pd, pytest
from PIL import Image
from conftest import run, SAMPLE
from test_check import make_data, jpeg
from fashion_attrs.core import DataError, cache_report, clear_cache
from fashion_attrs.data import read_dataset, huge_png, inspect_image, list_files
from fashion_attrs.split import check_trainable, assign_splits, load_splits, splits_path

def tree(root:Path)->dict:
    "Every path under `root` with its bytes (None for folders and links), to show nothing was written or lost."
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() and not p.is_symlink() else None)
            for p in sorted(root.rglob('*'))}

@pytest.fixture
def env(tmp_path, monkeypatch):
    "An environment whose cache is in `tmp_path`, so no test touches the user's cache."
    monkeypatch.setenv('FASHION_ATTRS_CACHE', str(tmp_path/'cache'))
    return {**os.environ}

def check(root, capsys)->tuple[int, str, str]:
    "Exit status, stdout and stderr of `fashion-attrs-check ROOT`, run in this process (a new one costs 10 s of imports)."
    from fashion_attrs.cli import check_cmd
    capsys.readouterr()
    try: check_cmd(str(root)); code = 0
    except SystemExit as e: code = e.code
    out, err = capsys.readouterr()
    return code, out, err

def check_fails(root, message, capsys, reported:bool=False):
    "`fashion-attrs-check ROOT` must exit 2 with `message` as its one line on stderr, and write nothing; `reported`: after the cleaning report."
    before = tree(root.parent)
    code, out, err = check(root, capsys)
    assert code == 2 and err.startswith('error: ') and message in err and len(err.strip().splitlines()) == 1, (code, err)
    assert (out.startswith('Cleaning report') if reported else out == '') and tree(root.parent) == before, out

TOO_FEW = "too few for train/valid/test parts"   # the sets below are too small to train on: check says so after its report

ROWS = [f'a{i}.jpg,{i%3},{i%2},{i%4}' for i in range(3)]
IMAGES = {f'a{i}.jpg': jpeg(c) for i,c in enumerate(['red', 'green', 'blue'])}

# 7. attributes.csv in another encoding than UTF-8
def test_non_utf8_attributes_csv(tmp_path, env, capsys):
    root = make_data(tmp_path/'d', [], {**IMAGES, 'tricot-é.jpg': jpeg()})
    (root/'attributes.csv').write_bytes('\r\n'.join(['filename,neck,sleeve_length,pattern', *ROWS, 'tricot-é.jpg,1,1,1']).encode('cp1252'))
    message = f"error: {root/'attributes.csv'}, line 5: not UTF-8 text (byte 0xe9 at position 8; it looks like Windows-1252 / Latin-1, where it is 'é'); save it as UTF-8"
    before = tree(tmp_path)
    r = run('fashion-attrs-check', root, env=env)   # the console command itself, once
    assert r.returncode == 2 and r.stderr.strip().splitlines()[-1] == message and r.stdout == '', r.stderr
    assert tree(tmp_path) == before
    (root/'attributes.csv').write_text('filename,neck,sleeve_length,pattern\n' + '\n'.join(ROWS), encoding='utf-16')
    check_fails(root, 'line 1: not UTF-8 text (byte 0xff at position 1; it is UTF-16)', capsys)

# 5. huge images: reported from their header, never decoded
def test_huge_images_are_reported_not_decoded(tmp_path, env, capsys, monkeypatch):
    root = make_data(tmp_path/'d', ROWS + ['big.png,1,1,1', 'bomb.png,1,1,1'], IMAGES)
    huge_png(root/'images'/'big.png', 12_000, 10_000); huge_png(root/'images'/'bomb.png', 20_000, 20_000)
    code, out, err = check(root, capsys)
    assert code == 2 and TOO_FEW in err, err
    assert 'images too large (not decoded): 2 (big.png: too large: 12000 x 10000 pixels (limit 40000000), bomb.png: too large: Image size (400000000 pixels)' in out
    assert 'images in the clean table: 3' in out
    monkeypatch.setenv('FASHION_ATTRS_MAX_PIXELS', str(225*300-1))
    code, out, err = check(root, capsys)
    assert 'a0.jpg: too large: 225 x 300 pixels (limit 67499)' in out and 'images in the clean table: 0' in out
    monkeypatch.setenv('FASHION_ATTRS_MAX_PIXELS', 'big')
    check_fails(root, "FASHION_ATTRS_MAX_PIXELS='big': expected a positive number", capsys)

# 6. symbolic links that lead nowhere
def test_dangling_links_and_loops_are_reported(tmp_path, env, capsys):
    root = make_data(tmp_path/'d', ROWS + ['gone.jpg,1,1,1'], IMAGES)
    (root/'images'/'gone.jpg').symlink_to(tmp_path/'nowhere.jpg')
    (root/'images'/'loop.jpg').symlink_to('loop.jpg')
    (root/'images'/'link.jpg').symlink_to(root/'images'/'a0.jpg')
    code, out, err = check(root, capsys)
    assert code == 2 and TOO_FEW in err, err
    assert f"entries in images/ that lead nowhere: 2 (gone.jpg: dangling symbolic link (to {tmp_path/'nowhere.jpg'}), loop.jpg: symbolic link loop)" in out
    assert 'rows whose image does not exist: 0' in out and 'images not listed in attributes.csv (ignored): 1 (link.jpg)' in out
    files, problems = list_files(root/'images', recurse=True)
    assert sorted(problems) == ['gone.jpg', 'loop.jpg'] and sorted(p.name for p in files) == ['a0.jpg', 'a1.jpg', 'a2.jpg', 'link.jpg']

# 13. zip bombs are refused before anything is extracted
def test_zip_bomb_and_size_limits(tmp_path, env, capsys, monkeypatch):
    with zipfile.ZipFile(tmp_path/'bomb.zip', 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('d/attributes.csv', 'filename,neck,sleeve_length,pattern\n'); z.writestr('d/images/zeros.jpg', bytes(50<<20))
    check_fails(tmp_path/'bomb.zip', "bomb.zip: member 'd/images/zeros.jpg' unpacks to 52428800 bytes from", capsys)
    assert not (tmp_path/'cache'/'zips').exists() or not any((tmp_path/'cache'/'zips').iterdir())
    make_data(tmp_path/'ok'/'d', ROWS, IMAGES)
    with zipfile.ZipFile(tmp_path/'ok.zip', 'w') as z:
        for p in (tmp_path/'ok').rglob('*'): z.write(p, p.relative_to(tmp_path/'ok'))
    monkeypatch.setenv('FASHION_ATTRS_MAX_UNZIPPED', '1000')
    check_fails(tmp_path/'ok.zip', 'over the limit of 1000 (FASHION_ATTRS_MAX_UNZIPPED)', capsys)
    monkeypatch.delenv('FASHION_ATTRS_MAX_UNZIPPED')
    code, out, err = check(tmp_path/'ok.zip', capsys)
    assert code == 2 and TOO_FEW in err and out.startswith('Cleaning report'), err
    assert set(cache_report()) == {'zips'} and cache_report()['zips'] > 0
    assert clear_cache('zips') > 0 and cache_report() == {}

# 3. data that check would pass but training cannot use
def tables():
    "Clean tables of data sets that cannot be trained on, with the message each gives."
    t = pd.DataFrame(dict(filename=[f'{i}.jpg' for i in range(40)], neck=[i % 3 for i in range(40)],
                          sleeve_length=[i % 2 for i in range(40)], pattern=[i % 4 for i in range(40)]))
    t = t.astype(dict(neck='Int64', sleeve_length='Int64', pattern='Int64'))
    return [(t.iloc[:0], 'no images to train on'),
            (t.assign(pattern=pd.NA).astype(dict(pattern='Int64')), "attribute 'pattern' has no labels (0 of 40 images labelled)"),
            (t.assign(sleeve_length=1), "attribute 'sleeve_length' has only one class (1) among its 40 labelled images"),
            (t.iloc[:5], "attribute 'neck' has 5 labelled images, too few for train/valid/test parts of at least 2 each (needs 6)")]

@pytest.mark.parametrize('i', range(4))
def test_check_trainable(i):
    table, message = tables()[i]
    with pytest.raises(DataError, match=message.replace('(', r'\(').replace(')', r'\)')): check_trainable(table, where='d')

def test_check_trainable_folds_and_parts():
    t = tables()[1][0].assign(pattern=[i % 4 for i in range(40)]).astype(dict(pattern='Int64'))
    check_trainable(t); check_trainable(t, parts=(), n_folds=5); check_trainable(t.iloc[:5], parts=('train',))
    with pytest.raises(DataError, match="'neck' has 40 labelled images, too few for 30 folds of at least 2 each"): check_trainable(t, parts=(), n_folds=30)
    folds = assign_splits(t, n_folds=5).assign(fold=[i % 4 for i in range(39)] + [4])
    with pytest.raises(DataError, match="'neck' has 1 labelled image in fold 4 of 5, fewer than 2"): check_trainable(t, splits=folds, parts=(), n_folds=5)
    sp = assign_splits(t).assign(split=['train']*34 + ['valid']*5 + ['test'])
    with pytest.raises(DataError, match="'neck' has 1 labelled image in the 'test' part of the split, fewer than 2 \\(40 labelled in all\\)"): check_trainable(t, splits=sp)

def test_header_only_attributes_csv(tmp_path, env):
    root = make_data(tmp_path/'d', [], IMAGES)
    table, report = read_dataset(root)   # was an AttributeError
    assert len(table) == 0 and report.n_rows == 0 and report.unlisted_images == ['a0.jpg', 'a1.jpg', 'a2.jpg']
    with pytest.raises(DataError, match=f'{root}: no images to train on'): check_trainable(table, where=str(root))

def test_check_refuses_what_training_cannot_use(tmp_path, env, capsys):
    root = make_data(tmp_path/'d', ROWS, IMAGES)
    check_fails(root, "attribute 'neck' has 3 labelled images, too few for train/valid/test parts", capsys, reported=True)

# 11. the split is never written into the data folder unasked
def test_split_kept_in_cache_not_in_data(tmp_path, env):
    if True:
        before = tree(SAMPLE)
        table, _ = read_dataset(SAMPLE)
        sp = load_splits(SAMPLE, table)
        assert tree(SAMPLE) == before   # data/splits.csv (and everything else in data/) untouched
        assert splits_path(SAMPLE).is_relative_to(tmp_path/'cache') and splits_path(SAMPLE).exists()
        shipped = pd.read_csv(SAMPLE/'splits.csv').set_index('filename').loc[table.filename].reset_index()
        pd.testing.assert_frame_equal(sp, shipped)                               # the same seed, the same split
        pd.testing.assert_frame_equal(load_splits(SAMPLE, table, path=tmp_path/'s.csv'), shipped)
        assert not (load_splits(SAMPLE, table, seed=7).split == sp.split).all()

# what worked before keeps working: odd but valid images and CSV dialects
def test_odd_images_and_csv_dialects(tmp_path, env, capsys):
    exif = jpeg(); ex = exif.getexif(); ex[0x0112] = 6
    imgs = {'cmyk.jpg': Image.new('CMYK', (40, 30), (0, 50, 100, 0)), 'deep.png': Image.fromarray(np.full((30, 40), 40000, np.uint16)),
            'pal.png': Image.new('P', (40, 30)), 'rgba.png': Image.new('RGBA', (40, 30), (1, 2, 3, 0)),
            'page.jpg': b'<!DOCTYPE html><html><body>not found</body></html>'}
    root = make_data(tmp_path/'d', [], imgs)
    exif.save(root/'images'/'rot.jpg', exif=ex)
    rows = ['extra,pattern,filename,sleeve_length,neck'] + [f'x,1,{n},{i%2},{i%3}' for i,n in enumerate(['cmyk.jpg', 'deep.png', 'pal.png', 'rgba.png', 'rot.jpg', 'page.jpg'])]
    (root/'attributes.csv').write_bytes(('\ufeff' + '\r\n'.join(rows) + '\r\n').encode('utf-8'))
    table, report = read_dataset(root)
    assert sorted(table.filename) == ['cmyk.jpg', 'deep.png', 'pal.png', 'rgba.png', 'rot.jpg'] and report.undecodable == {'page.jpg': 'does not decode: unknown image format'}
    assert table.set_index('filename').loc['rot.jpg', ['width', 'height', 'neck']].tolist() == [225, 300, 1]
    (root/'attributes.csv').write_text('filename,neck,sleeve_length,pattern\npal.png,1,1,1\npal.png,1,x,1\n')
    check_fails(root, "attributes.csv, line 3, column 'sleeve_length': 'x' is not an integer class code", capsys)
