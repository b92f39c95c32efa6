"""How the labels of a FlixStock-layout data set are structured: how many attributes per image carry a specific class
(not #N/A, not the attribute's last, catch-all class), and what the product titles in the filenames say beside the
labels. Evidence for why macro-F1 on such data has a low ceiling.

Usage: python benchmarks/label_structure.py --data ../shared/flixstock-dev"""
import argparse
import pandas as pd
from fashion_attrs.data import read_dataset
from fashion_attrs.schema import load_schema

TITLE_WORDS = dict(neck=['hood', 'henley', 'mandarin', 'polo', 'round-neck', 'v-neck'],
                   pattern=['striped', 'checked', 'solid', 'printed'])

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', required=True); a = p.parse_args()
    table,_ = read_dataset(a.data); schema = load_schema()
    catch_all = {at.name:at.n_classes-1 for at in schema.attributes}
    specific = pd.DataFrame({n:(table[n].notna() & (table[n] != m)).astype(bool) for n,m in catch_all.items()})
    print(f"{len(table)} images; catch-all class per attribute: {catch_all}")
    print("images by number of attributes with a specific class:", specific.sum(axis=1).value_counts().sort_index().to_dict())
    print("which attribute is the specific one:", {n:int((specific[n] & (specific.sum(axis=1) == 1)).sum()) for n in schema.names})
    title = table.filename.str.lower()
    for attr,words in TITLE_WORDS.items():
        print(f"\n{attr} labels of the images whose filename holds each word (-1 = #N/A):")
        for w in words:
            counts = table.loc[title.str.contains(w, regex=False), attr].fillna(-1).astype(int).value_counts().sort_index()
            print(f"  {w:12s} {counts.to_dict()}")

if __name__ == '__main__': main()
