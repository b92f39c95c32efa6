"Fast start: the console module imports nothing heavy, and `--help` answers at once."
import subprocess, sys, time
from conftest import run

def test_cli_module_imports_nothing_heavy():
    code = "import sys, fashion_attrs.cli; print(sorted(m for m in ('torch', 'fastai', 'timm', 'pandas', 'onnxruntime') if m in sys.modules))"
    p = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.strip() == '[]', p.stdout + p.stderr

def test_help_answers_fast_and_quietly():
    start = time.perf_counter(); r = run('fashion-attrs-predict', '--help'); secs = time.perf_counter() - start
    assert r.returncode == 0 and '--engine' in r.stdout and r.stderr == '', r.stderr
    assert secs < 3, f'{secs:.1f} s'   # under a second on an idle machine; the margin is for a loaded CI runner
