"""Suggestion quality on the demo study and on the realistic study (participants' own words).

    python -m benchmarks.bench_quality [--curve] [--embeddings]

Builds both studies in a temporary folder and prints `suggest evaluate`'s figures side by side: cold (codebook
only) and warm (trained on the other participants' codings), 5 folds grouped by case; with --embeddings, also
both with the optional embedding model in the blend (same folds).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from qualcode.app.demo import build_demo
from qualcode.nlp.evaluate import evaluate_project
from qualcode.store.project import Project

REALISTIC = Path(__file__).resolve().parent / "data" / "realistic" / "study.yaml"
FIGURES = ("precision_at_1", "recall_at_3", "hit_at_3", "recall_at_5")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--curve", action="store_true", help="also the learning curve (random vs uncertainty sampling)"
    )
    ap.add_argument("--embeddings", action="store_true", help="also with the optional embedding model")
    args = ap.parse_args()
    cache = None
    if args.embeddings:
        from qualcode.nlp.embeddings import EmbeddingCache, load_model

        cache = EmbeddingCache(load_model())
    with tempfile.TemporaryDirectory() as tmp:
        studies = {
            "demo": build_demo(Path(tmp) / "demo.qcdb")["project"],
            "realistic": build_demo(Path(tmp) / "real.qcdb", manifest_path=REALISTIC)["project"],
        }
        print(f"{'study':<10} {'coded':>5}  {'':<5} " + " ".join(f"{f:>14}" for f in FIGURES) + "   seconds")
        for name, path in studies.items():
            project = Project.open(path)
            t0 = time.perf_counter()
            result = evaluate_project(project, curve=args.curve, embeddings=cache)
            took = time.perf_counter() - t0
            project.close()
            kinds = [("cold", result["cold_start"]), ("warm", result["learned"])]
            if "embeddings" in result:
                kinds += [
                    ("cold+e", result["embeddings"]["cold_start"]),
                    ("warm+e", result["embeddings"]["learned"]),
                ]
            for kind, figures in kinds:
                print(
                    f"{name:<10} {result['coded_segments']:>5}  {kind:<6} "
                    + " ".join(f"{figures[f]:>14.3f}" for f in FIGURES)
                    + f"   {took:.1f}"
                )
            for point in result.get("learning_curve", []):
                r, u = point["random"], point["uncertainty"]
                print(
                    f"  curve {point['coded_segments']!s:>4}: random p@1 {r['precision_at_1']:.3f} recall@3"
                    f" {r['recall_at_3']:.3f} | uncertainty p@1 {u['precision_at_1']:.3f} recall@3 {u['recall_at_3']:.3f}"
                )
            help_codes = [c["code"] for c in result["codes_needing_help"]]
            print(f"  codes needing help ({len(help_codes)}): {', '.join(help_codes)}")


if __name__ == "__main__":
    main()
