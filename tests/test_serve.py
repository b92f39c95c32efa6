"The prediction service as a person uses it: a real uvicorn on 127.0.0.1, and headless Chromium uploading photos to its page."
import json, os, shutil, socket, subprocess, sys, time
from pathlib import Path
import pytest
from conftest import SAMPLE

CHROMIUM = Path('/usr/bin/chromium')
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
                 '--disable-sync', '--no-first-run']

def free_port()->int:
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

@pytest.fixture(scope='module')
def model(tmp_path_factory):
    "A small model trained on the synthetic sample (half a minute)."
    from fashion_attrs.train import TrainConfig, train
    d = tmp_path_factory.mktemp('serve')
    old = os.environ.get('FASHION_ATTRS_CACHE'); os.environ['FASHION_ATTRS_CACHE'] = str(d/'cache')
    try:
        train(SAMPLE, d/'m.pkl', TrainConfig(size=[128, 96], freeze_epochs=2, feature_passes=1, epochs=0, lr_find_iters=5, top_epochs=0), say=lambda s: None)
        yield d/'m.pkl'
    finally:
        if old is None: os.environ.pop('FASHION_ATTRS_CACHE', None)
        else: os.environ['FASHION_ATTRS_CACHE'] = old
        shutil.rmtree(d, ignore_errors=True)

@pytest.fixture(scope='module')
def server(model):
    "The base URL of the console command `fashion-attrs-serve` running `model` on 127.0.0.1; stopped afterwards."
    import httpx
    port = free_port()
    cmd = [Path(sys.executable).parent/'fashion-attrs-serve', '--model', model, '--host', '127.0.0.1', '--port', str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f'http://127.0.0.1:{port}'
    try:
        for _ in range(300):
            if proc.poll() is not None: pytest.fail(f"the server exited with {proc.returncode}: {proc.stdout.read()}")
            try:
                if httpx.get(url + '/health', timeout=1).json()['status'] == 'ok': break
            except httpx.HTTPError: pass
            time.sleep(0.2)
        else: pytest.fail('the server did not answer /health within 60 s')
        yield url
    finally:
        proc.terminate()
        try: proc.wait(10)
        except subprocess.TimeoutExpired: proc.kill(); proc.wait()

def test_server_answers_over_http(server, model):
    import httpx, numpy as np
    from fashion_attrs.inference import open_engine, predict_images
    photo = sorted((SAMPLE/'images').glob('*.jpg'))[0]
    r = httpx.post(server + '/predict', files=[('files', (photo.name, photo.read_bytes(), 'image/jpeg')),
                                                ('files', ('notes.txt', b'hello', 'text/plain'))], timeout=30)
    assert r.status_code == 200, r.text
    good,bad = r.json()['results']
    assert good['filename'] == photo.name and set(good['predictions']) == {'neck', 'sleeve_length', 'pattern'}
    engine = open_engine(model); probs = predict_images(engine, [photo]).probs.iloc[0]   # the answers of the predict command's engine
    assert list(good['specific']) == list(engine.layout.specific_slices) == ['neck', 'sleeve_length', 'pattern']
    for a,ans in good['specific'].items():   # the most likely specific class, as `fashion-attrs-predict --specific` decodes it
        block = probs[engine.layout.vocab[engine.layout.specific_slices[a]]].to_numpy()
        assert ans['code'] == int(np.argmax(block)) and abs(ans['probability'] - block.max()) < 1e-4, (a, ans, block)
    assert bad == {'filename': 'notes.txt', 'error': 'not an image'}
    metrics = httpx.get(server + '/metrics').text
    assert 'fashion_attrs_images_predicted_total 1.0' in metrics and 'fashion_attrs_errors_total{reason="not an image"} 1.0' in metrics

def shown_percent(page, probability:float)->str:
    "`probability` as the page writes it, formatted by the browser's own `toFixed` (Python rounds ties differently), e.g. '90.3%'."
    return page.evaluate("p => (100 * p).toFixed(1) + '%'", probability)

def test_page_shows_bars_and_heat_maps(server, tmp_path):
    if not CHROMIUM.exists(): pytest.skip(f'{CHROMIUM} not found: install Debian\'s chromium package')
    playwright = pytest.importorskip('playwright.sync_api', reason='playwright for Python is not installed')
    import httpx
    photo = sorted((SAMPLE/'images').glob('*.jpg'))[1]
    expected = httpx.post(server + '/predict', files=[('files', (photo.name, photo.read_bytes(), 'image/jpeg'))], timeout=30).json()['results'][0]
    (tmp_path/'notes.txt').write_text('not a photo')
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={'width': 900, 'height': 700})
            page.goto(server + '/')
            page.set_input_files('#pick', [str(photo), str(tmp_path/'notes.txt')])
            page.wait_for_function("document.querySelectorAll('img.heatmap').length == 3 && "
                                   "[...document.querySelectorAll('img.heatmap')].every(i => i.complete && i.naturalWidth > 0)", timeout=60000)
            cards = page.query_selector_all('.card')
            assert len(cards) == 2
            shown = {c.query_selector('h2').inner_text(): c for c in cards}
            assert 'cannot read this file: not an image' in shown['notes.txt'].inner_text()
            card = shown[photo.name]
            rows = card.query_selector_all('.row')
            assert [r.get_attribute('data-attribute') for r in rows] == ['neck', 'sleeve_length', 'pattern']
            for r in rows:
                a = expected['predictions'][r.get_attribute('data-attribute')]
                label = r.query_selector('.label').inner_text()
                assert a['name'] in label and shown_percent(page, a['probability']) in label, (label, a)
                width = r.query_selector('.bar').evaluate("b => b.getBoundingClientRect().width / b.parentElement.getBoundingClientRect().width")
                assert abs(width - a['probability']) < 0.01, (width, a)
                sp = expected['specific'][r.get_attribute('data-attribute')]   # the test model has the specific-class output
                line = r.query_selector('.specific').inner_text()
                assert line == f"most likely specific class: {sp['name']} {shown_percent(page, sp['probability'])}", (line, sp)
            heat = card.query_selector_all('img.heatmap')
            sizes = [h.evaluate('i => [i.naturalWidth, i.naturalHeight]') for h in heat]
            assert sizes == [[96, 128]] * 3, sizes   # the model's input size, width x height
            shot = tmp_path/'page.png'
            page.screenshot(path=str(shot), full_page=True)
            assert shot.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n' and shot.stat().st_size > 10_000
            if os.environ.get('FASHION_ATTRS_SCREENSHOT'): shutil.copy(shot, os.environ['FASHION_ATTRS_SCREENSHOT'])
        finally: browser.close()
