"""Time `labb validate` over a generated corpus (default 10,000 practice files).

python bench/validate_bench.py --size 10000
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import corpus

from labb import validate, vocab


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        corpus.generate(args.size, out)
        vocabs = vocab.default()
        started = time.perf_counter()
        result = validate.check_paths([out], vocabs)
        elapsed = time.perf_counter() - started
    errors = len(result.errors)
    print(
        f"validated {len(result.files)} files in {elapsed:.1f} s "
        f"({1000 * elapsed / len(result.files):.2f} ms per file; {errors} errors) "
        f"on {platform.python_implementation()} {platform.python_version()}, {platform.machine()}"
    )
    if errors:
        print(result.errors[0])
        sys.exit(1)


if __name__ == "__main__":
    main()
