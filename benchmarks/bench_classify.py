"""classify_many throughput (postings/s) and single-call latency, against a plain pipeline in the same run.

    python benchmarks/bench_classify.py [--repeat 3]

Prints the plain TF-IDF + LogisticRegression predict_proba throughput; ours with probabilities only, with the
explanation summaries a batch needs (log-odds, per-axis sums, reasons) and with full explanations (every term with
the posting's words and character spans); their ratios; and the median latency of one classify() call.
"""

from __future__ import annotations

import argparse
import statistics
import time

from _common import plain_pipeline, postings

import tpmclassify


def best_rate(fn, n: int, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return n / min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    df, source = postings()
    texts = df["description"].tolist()
    model = tpmclassify.default_model()
    plain = plain_pipeline(df)
    model.classify_many(texts[:50])  # warm the stem cache and imports, as a long-running job would be

    plain_rate = best_rate(lambda: plain.predict_proba(texts), len(texts), args.repeat)
    probs_rate = best_rate(lambda: [p.probabilities for p in model.classify_many(texts)], len(texts), args.repeat)

    def reasons() -> None:
        for p in model.classify_many(texts):
            _ = p.explanation.logit, p.explanation.by_axis, p.scope_explanation.by_axis, p.reasons

    def full() -> None:
        for p in model.classify_many(texts):
            _ = p.explanation.terms, p.scope_explanation.terms, p.reasons

    reasons_rate = best_rate(reasons, len(texts), args.repeat)
    expl_rate = best_rate(full, len(texts), args.repeat)
    lat, lat_expl = [], []
    for text in texts[:300]:
        t0 = time.perf_counter()
        p = tpmclassify.classify(text)
        t1 = time.perf_counter()
        _ = p.explanation.terms, p.reasons
        lat.append((t1 - t0) * 1000)
        lat_expl.append((time.perf_counter() - t0) * 1000)
    chars = statistics.median(len(t) for t in texts)
    print(f"postings: {len(texts)} from {source} (median {chars:.0f} characters)")
    print(f"plain TF-IDF + LR predict_proba : {plain_rate:8.0f} postings/s")
    print(f"classify_many, probabilities    : {probs_rate:8.0f} postings/s  ({probs_rate / plain_rate:.2f}x plain)")
    print(f"classify_many + by_axis, reasons: {reasons_rate:8.0f} postings/s  ({reasons_rate / plain_rate:.2f}x plain)")
    print(f"classify_many + all terms, spans: {expl_rate:8.0f} postings/s  ({expl_rate / plain_rate:.2f}x plain)")
    print(f"classify() single call          : {statistics.median(lat):8.2f} ms median, "
          f"{sorted(lat)[int(0.95 * len(lat))]:.2f} ms p95")
    print(f"classify() + its explanation    : {statistics.median(lat_expl):8.2f} ms median")


if __name__ == "__main__":
    main()
