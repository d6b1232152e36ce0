"""`/rag` over signed HTTP on a 500-action imported board, beside an empty Bolt handler.

The /rag half of bench/slack_rag.py under its old name: the board is built by the real
importer (bench/plan_files.py, twelve weeks of history), and each of /rag, /rag red,
/rag overdue and /rag @person alternates with the empty Bolt app (bench/measure.py).
bench/run_all.py runs slack_rag.py, which covers this, and skips it.
Run: python bench/rag_http_500.py [-n 300] [--actions 500]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import plan_files
from bench.measure import DEFAULT_N
from bench.slack_rag import imported_bench, run_rag
from tests.slack.fake_slack import running


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=DEFAULT_N, help="requests of each kind")
    parser.add_argument("--actions", type=int, default=500)
    parser.add_argument("--weeks", type=int, default=plan_files.HISTORY_WEEKS)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        running() as fake,
        imported_bench(Path(tmp), fake, actions=args.actions, weeks=args.weeks) as bench,
    ):
        print(f"/rag on a {args.actions}-action imported board, n={args.n} each, interleaved")
        run_rag(bench, args.n, name="rag_http_500")


if __name__ == "__main__":
    main()
