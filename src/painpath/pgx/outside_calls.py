"""Lab-reported ("outside") calls: a TSV in the spirit of PharmCAT's outside-call file.

Each line: gene, diplotype, phenotype, activity score (1 to 4 tab-separated columns; empty ones
allowed); lines starting with '#' are comments. For CYP2D6 and CYP2C9 a reported activity score
wins over the diplotype (a mismatch gives a warning note); for CYP2C19 a reported phenotype wins.
A phenotype alone is accepted: for an activity-score gene it stands for every CPIC score key of
that phenotype, so advice that differs inside the range is all returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from painpath.pgx.genes import ACTIVITY_SCORE_GENES, METABOLIZER_GENES, Gene, Phenotype
from painpath.pgx.phenoconversion import GeneResult
from painpath.pgx.phenotype import (
    diplotype_phenotype,
    format_score,
    lookup_key,
    normalize_phenotype,
    parse_score,
    phenotype_for_score,
    split_diplotype,
)
from painpath.pgx.tables import gene_table

COLUMNS = ("gene", "diplotype", "phenotype", "activity score")


class OutsideCallError(ValueError):
    """A lab-call line that cannot be read; the message names the line."""


@dataclass(frozen=True, slots=True)
class OutsideCall:
    """One gene as a lab reported it."""

    gene: Gene
    diplotype: str | None = None
    phenotype: str | None = None
    activity_score: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class OutsideCalls:
    """The calls of one file, and the lines skipped with a reason."""

    calls: Mapping[Gene, OutsideCall]
    warnings: tuple[str, ...]


def _call(gene: Gene, diplotype: str, phenotype: str, score: str, line: int | None) -> OutsideCall:
    if not (diplotype or phenotype or score):
        raise ValueError("no diplotype, phenotype or activity score given")
    if diplotype:
        first, second = split_diplotype(diplotype)
        diplotype_phenotype(gene, first, second)  # genotype genes refuse unknown alleles here
    if (phenotype or score) and gene not in METABOLIZER_GENES:
        raise ValueError(f"{gene} is reported as a genotype only (no phenotype or score)")
    if score:
        if gene not in ACTIVITY_SCORE_GENES:
            raise ValueError(f"{gene} has no activity score; give the phenotype")
        score = format_score(*parse_score(score))
    return OutsideCall(
        gene,
        diplotype or None,
        normalize_phenotype(phenotype).value if phenotype else None,
        score or None,
        line,
    )


def parse_call(gene: Gene | str, text: str) -> OutsideCall:
    """One value from the command line: a diplotype ("*1/*4"), a phenotype or an activity score."""
    gene = Gene(gene.strip().upper() if isinstance(gene, str) else gene)
    text = text.strip()
    if "/" in text:
        return _call(gene, text, "", "", None)
    try:
        parse_score(text)
    except ValueError:
        return _call(gene, "", text, "", None)
    return _call(gene, "", "", text, None)


def parse_outside_calls(text: str) -> OutsideCalls:
    """Read an outside-call TSV; raises OutsideCallError naming the first bad line."""
    calls: dict[Gene, OutsideCall] = {}
    warnings: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = [f.strip() for f in line.split("\t")]
        while len(fields) > 1 and not fields[-1]:
            fields.pop()
        if len(fields) > len(COLUMNS):
            raise OutsideCallError(
                f"line {number}: expected at most 4 tab-separated columns ({', '.join(COLUMNS)}),"
                f" found {len(fields)}"
            )
        fields += [""] * (len(COLUMNS) - len(fields))
        name = fields[0].upper()
        if not name:
            raise OutsideCallError(f"line {number}: the gene column is empty")
        if name not in Gene.__members__:
            warnings.append(
                f"line {number}: {fields[0]} is not a gene painpath interprets; skipped"
            )
            continue
        gene = Gene(name)
        if gene in calls:
            raise OutsideCallError(
                f"line {number}: {gene} was already given on line {calls[gene].line}"
            )
        try:
            calls[gene] = _call(gene, fields[1], fields[2], fields[3], number)
        except ValueError as error:
            raise OutsideCallError(f"line {number}: {gene}: {error}") from None
    return OutsideCalls(calls, tuple(warnings))


def read_outside_calls(path: str | Path) -> OutsideCalls:
    """Read an outside-call TSV file (UTF-8)."""
    return parse_outside_calls(Path(path).read_text(encoding="utf-8"))


def _from_phenotype(gene: Gene, phenotype: str, notes: tuple[str, ...]) -> GeneResult:
    if gene in ACTIVITY_SCORE_GENES:
        keys = gene_table(gene).phenotype_keys.get(phenotype, ("n/a",))
        notes += (
            f"{gene} phenotype reported without a score: advice is looked up at every CPIC"
            f" activity score of a {phenotype} ({', '.join(keys)}).",
        )
    else:
        keys = (phenotype,)
    return GeneResult(gene, "reported phenotype", (), None, phenotype, keys, notes)


def _mismatch(reported: str, what: str, computed: str | None, winner: str) -> str:
    return f"Warning: the lab reported {reported}, but {what} gives {computed}; {winner} is used."


def gene_result(call: OutsideCall) -> GeneResult:
    """Interpret one lab call (the reported activity score or phenotype wins, as stated above)."""
    gene, source = call.gene, "outside call"
    notes: tuple[str, ...] = ()
    found = None
    if call.diplotype:
        found = GeneResult.from_diplotypes(gene, [split_diplotype(call.diplotype)], source)
        notes = found.notes
    if call.activity_score is not None:
        score = call.activity_score
        phenotype = phenotype_for_score(gene, parse_score(score)[0]).value
        if found and found.activity_score != score:
            what = f"the diplotype {call.diplotype}"
            notes += (
                _mismatch(f"activity score {score}", what, found.activity_score, "the score"),
            )
        if call.phenotype and call.phenotype != phenotype:
            what = f"activity score {score}"
            notes += (_mismatch(call.phenotype, what, phenotype, "the score"),)
        diplotypes = found.diplotypes if found else ()
        key = lookup_key(gene, score)
        return GeneResult(gene, source, diplotypes, score, phenotype, (key,), notes)
    if found is None:
        return _from_phenotype(gene, call.phenotype or "", notes)
    if call.phenotype and call.phenotype != found.phenotype:
        what = f"the diplotype {call.diplotype}"
        indeterminate = found.phenotype == Phenotype.INDETERMINATE.value
        if gene in ACTIVITY_SCORE_GENES and not indeterminate:
            notes += (_mismatch(call.phenotype, what, found.phenotype, "the diplotype"),)
        else:  # CYP2C19 (as in PharmCAT), or a diplotype painpath cannot interpret
            notes += (_mismatch(call.phenotype, what, found.phenotype, "the reported phenotype"),)
            keys = _from_phenotype(gene, call.phenotype, ()).lookup_keys
            return GeneResult(gene, source, found.diplotypes, None, call.phenotype, keys, notes)
    return GeneResult(
        gene,
        source,
        found.diplotypes,
        found.activity_score,
        found.phenotype,
        found.lookup_keys,
        notes,
    )
