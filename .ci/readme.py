"""Write README.md from nbs/index.ipynb: markdown cells as they are, code cells and their text outputs as code blocks.
Usage: python .ci/readme.py [--check]   (--check: exit 1 if README.md is out of date, writing nothing)"""
import json, sys
from pathlib import Path

def render(nb_path):
    nb = json.loads(Path(nb_path).read_text(encoding='utf-8'))
    parts = []
    for c in nb['cells']:
        src = ''.join(c['source'])
        if src.lstrip().startswith('#| hide'): continue
        if c['cell_type'] == 'markdown': parts.append(src.strip()); continue
        code = '\n'.join(l for l in src.splitlines() if not l.startswith('#|')).strip()
        if code: parts.append(f"```python\n{code}\n```")
        outs = ''.join(''.join(o.get('text', '') or o.get('data', {}).get('text/plain', '')) for o in c.get('outputs', []))
        if outs.strip(): parts.append(f"```\n{outs.rstrip()}\n```")
    return '\n\n'.join(parts) + '\n'

if __name__ == '__main__':
    root = Path(__file__).resolve().parent.parent
    text = render(root/'nbs'/'index.ipynb')
    if '--check' in sys.argv:
        if (root/'README.md').read_text(encoding='utf-8') != text: sys.exit("README.md is out of date: run python .ci/readme.py")
    else: (root/'README.md').write_text(text, encoding='utf-8')
