"""painpath's engine without its CLI: a VCF to the report, in one fresh process.

    .venv/bin/python bench/engine_report.py FILE [--stage calls|reports|json|document]

Stages (each includes the ones before it):
  calls     the allele matcher's calls for every sample (`iter_file_calls`)
  reports   + phenotypes and advice for every drug (`iter_file_reports`, SampleReport objects)
  json      + each sample's JSON written as one line (`SampleReport.to_json`, `json.dumps`)
  document  the whole `report_document` as `painpath pgx call --format json` prints it

Prints to stdout only for `document` (and `json`, one line per sample); timings to stderr as
JSON: import, stage seconds, samples.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

start = time.perf_counter()
from painpath.pgx.matcher import iter_file_calls  # noqa: E402
from painpath.pgx.report import iter_file_reports, report_document  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--stage", default="document")
    args = parser.parse_args()
    started = time.perf_counter()
    samples = 0
    if args.stage == "calls":
        for _ in iter_file_calls(args.file):
            samples += 1
    elif args.stage == "reports":
        for _ in iter_file_reports(args.file):
            samples += 1
    elif args.stage == "json":
        write = sys.stdout.write
        for report in iter_file_reports(args.file):
            write(json.dumps(report.to_json(), ensure_ascii=False) + "\n")
            samples += 1
    elif args.stage == "document":
        reports = list(iter_file_reports(args.file))
        samples = len(reports)
        text = json.dumps(report_document(reports), indent=2, ensure_ascii=False)
        sys.stdout.write(text + "\n")
    else:
        parser.error(f"unknown stage {args.stage!r}")
    seconds = time.perf_counter() - started
    timing = {"import": IMPORT_SECONDS, "stage": seconds, "samples": samples}
    print(json.dumps(timing), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
