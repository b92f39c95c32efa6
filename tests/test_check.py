"End-to-end checks of `fashion-attrs-check` on good and bad data."
import os, shutil
from pathlib import Path
import pytest
from PIL import Image
from conftest import run, SAMPLE, FLIXSTOCK_DEV, needs_flixstock

def make_data(root:Path, rows:list[str], images:dict)->Path:
    "A data set in FlixStock's layout: `images` maps a filename to a PIL image or raw bytes."
    (root/'images').mkdir(parents=True)
    for name,img in images.items():
        if isinstance(img, bytes): (root/'images'/name).write_bytes(img)
        else: img.save(root/'images'/name)
    (root/'attributes.csv').write_text('\r\n'.join(['filename,neck,sleeve_length,pattern'] + rows) + '\r\n')
    return root

def jpeg(color='red')->Image.Image: return Image.new('RGB', (225,300), color)

def test_check_sample():
    r = run('fashion-attrs-check', SAMPLE)
    assert r.returncode == 0, r.stderr
    assert 'files in images/ that are not images: 1 (Thumbs.db)' in r.stdout
    assert 'rows whose image does not exist: 2' in r.stdout
    assert 'neck:' in r.stdout and 'pattern:' in r.stdout

def test_corrupt_and_zero_byte_images_are_reported_and_dropped(tmp_path):
    good = tmp_path/'good.jpg'; jpeg().save(good)
    root = make_data(tmp_path/'d', ['good.jpg,4,1,9', 'cut.jpg,4,1,9', 'zero.jpg,1,1,1'],
                     {'good.jpg': jpeg(), 'cut.jpg': good.read_bytes()[:400], 'zero.jpg': b''})
    r = run('fashion-attrs-check', root)
    assert r.returncode == 2 and "attribute 'neck' has only one class (4) among its 1 labelled images" in r.stderr, r.stderr  # after the report
    assert 'images that do not decode: 2' in r.stdout
    assert 'zero.jpg: does not decode: zero bytes' in r.stdout
    assert 'cut.jpg: does not decode' in r.stdout
    assert 'images in the clean table: 1' in r.stdout

@pytest.mark.parametrize('row,message', [
    ('b.jpg,4,7,9', "line 3, column 'sleeve_length': '7' is not a class (0..3)"),
    ('b.jpg,round,1,9', "line 3, column 'neck': 'round' is not an integer class code"),
    ('b.jpg,4,1,-2', "line 3, column 'pattern': '-2' is not an integer class code"),
])
def test_bad_label_is_a_clear_error(tmp_path, row, message):
    root = make_data(tmp_path/'d', ['a.jpg,4,1,9', row], {'a.jpg': jpeg(), 'b.jpg': jpeg('blue')})
    before = sorted(p.name for p in root.rglob('*'))
    r = run('fashion-attrs-check', root)
    assert r.returncode == 2
    assert message in r.stderr and 'attributes.csv' in r.stderr, r.stderr
    assert 'Traceback' not in r.stderr
    assert r.stdout == ''
    assert sorted(p.name for p in root.rglob('*')) == before   # nothing written

def test_missing_column_and_missing_data(tmp_path):
    root = make_data(tmp_path/'d', [], {'a.jpg': jpeg()})
    (root/'attributes.csv').write_text('filename,neck,pattern\na.jpg,1,2\n')
    r = run('fashion-attrs-check', root)
    assert r.returncode == 2 and "line 1: column 'sleeve_length' is missing" in r.stderr, r.stderr
    r = run('fashion-attrs-check', tmp_path/'nowhere')
    assert r.returncode == 2 and 'no such file or folder' in r.stderr

@needs_flixstock
def test_check_flixstock_folder_and_zip(tmp_path):
    r = run('fashion-attrs-check', FLIXSTOCK_DEV)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert 'rows in attributes.csv: 1789; images in the clean table: 1336' in out
    assert 'rows whose image does not exist: 441' in out
    assert 'files in images/ that are not images: 1 (Thumbs.db)' in out
    assert 'filenames listed more than once: 11' in out
    assert 'groups of byte-identical images: 2' in out
    shutil.make_archive(str(tmp_path/'classification-assignment'), 'zip', FLIXSTOCK_DEV.parent, FLIXSTOCK_DEV.name)
    rz = run('fashion-attrs-check', tmp_path/'classification-assignment.zip', env={**os.environ, 'FASHION_ATTRS_CACHE': str(tmp_path/'cache')})
    assert rz.returncode == 0, rz.stderr
    assert rz.stdout.splitlines()[1:] == out.splitlines()[1:]

def test_data_as_positional_or_option():
    runs = [run('fashion-attrs-check', *args) for args in [(SAMPLE,), ('--data', SAMPLE), (f'--data={SAMPLE}',)]]
    assert all(r.returncode == 0 for r in runs), [r.stderr for r in runs]
    assert runs[0].stdout == runs[1].stdout == runs[2].stdout

def test_usage_errors_exit_2():
    r = run('fashion-attrs-check')
    assert r.returncode == 2 and 'required: data' in r.stderr, r.stderr
    r = run('fashion-attrs-check', SAMPLE, '--no-such-option', 'x')
    assert r.returncode == 2 and 'unrecognized arguments' in r.stderr, r.stderr
