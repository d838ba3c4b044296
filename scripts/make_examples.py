#!/usr/bin/env python3
"""Write the synthetic example inputs in examples/ that the README and docs commands use.

    .venv/bin/python scripts/make_examples.py      # needs the pgx extra (cyvcf2 writes the BCF)

Every file is synthetic: made from painpath's allele definitions, its demo allele frequencies
and its synthetic Apple Health writer, never from a person. The JSON inputs under
examples/opioids/ are written by hand and not touched here.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))

from scripts.make_pgx_vcf import BgzfWriter, cohort_vcf, diplotype_vcf  # noqa: E402

from painpath.monitoring.wearables.synthetic import write_apple_export  # noqa: E402
from painpath.pgx.genes import Gene  # noqa: E402

EXAMPLES = REPO / "examples"

#: The patient of docs/pgx-report.md's example: CYP2D6 *1/*4, CYP2C9 *1/*3, CYP2C19 *2/*17,
#: and no record at OPRM1 rs1799971 (so OPRM1 is reported as not tested).
PATIENT = "PATIENT-01"
PATIENT_DIPLOTYPES = {
    Gene.CYP2D6: ("*1", "*4"),
    Gene.CYP2C9: ("*1", "*3"),
    Gene.CYP2C19: ("*2", "*17"),
}
PATIENT_MISSING = ("rs1799971",)

#: A lab's CYP2D6 call with a duplication, which a VCF cannot show (copy number).
LAB_CALLS = """\
# Lab-reported calls (PharmCAT-style outside calls): gene, diplotype, phenotype, activity score.
# Synthetic. The CYP2D6 call carries a gene duplication (*2x2), which SNV/indel calling cannot see.
CYP2D6\t*1/*2x2\t\t
"""

COHORT_SAMPLES = 50
COHORT_SEED = 8
WEARABLE_DAYS = 3


def write_bgzf(path: Path, text: str) -> None:
    with BgzfWriter(path) as stream:
        stream.write(text.encode("utf-8"))


def write_bcf(vcf: Path, bcf: Path) -> None:
    from cyvcf2 import VCF, Writer

    reader = VCF(str(vcf))
    writer = Writer(str(bcf), reader, mode="wb")
    for record in reader:
        writer.write_record(record)
    writer.close()
    reader.close()


def main() -> int:
    pgx = EXAMPLES / "pgx"
    pgx.mkdir(parents=True, exist_ok=True)
    patient = diplotype_vcf(PATIENT_DIPLOTYPES, missing=PATIENT_MISSING, sample=PATIENT)
    write_bgzf(pgx / "patient.vcf.gz", patient)
    write_bcf(pgx / "patient.vcf.gz", pgx / "patient.bcf")
    (pgx / "lab-calls.tsv").write_text(LAB_CALLS, encoding="utf-8")
    cohort = pgx / "cohort.vcf"
    with cohort.open("w", encoding="utf-8") as stream:
        cohort_vcf(stream, COHORT_SAMPLES, seed=COHORT_SEED)
    write_bgzf(pgx / "cohort.vcf.gz", cohort.read_text(encoding="utf-8"))
    cohort.unlink()

    wearables = EXAMPLES / "wearables"
    wearables.mkdir(parents=True, exist_ok=True)
    write_apple_export(wearables / "apple-health-export.zip", days=WEARABLE_DAYS, seed=8)
    for path in sorted(EXAMPLES.rglob("*")):
        if path.is_file():
            print(f"{path.relative_to(REPO)}  {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
