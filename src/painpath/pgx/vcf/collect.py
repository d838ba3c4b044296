"""What the text and BCF readers share: sample choice, target positions and the build."""

from __future__ import annotations

from collections.abc import Sequence

from painpath.pgx.build import (
    BuildCall,
    GenomeBuild,
    Target,
    build_from_header,
    build_from_ref_alleles,
    position_table,
    stated_build,
)
from painpath.pgx.definitions import GeneDefinition
from painpath.pgx.vcf.model import RawRecord, VcfError, VcfProblem


class Collector:
    """Collects the records at definition positions of one file, for the chosen samples."""

    def __init__(
        self,
        path: str,
        definitions: Sequence[GeneDefinition],
        samples: Sequence[str] | None,
        build: GenomeBuild | None,
    ):
        self.path = path
        self.definitions = definitions
        self.wanted = samples
        self.stated = build
        self.records: list[RawRecord] = []
        self.sample_names: tuple[str, ...] = ()
        #: Column offsets of the chosen samples, or None for all of them in file order.
        self.sample_columns: list[int] | None = None
        self.n_file_samples = 0
        self.build_call: BuildCall | None = None
        self.targets: dict[tuple[str, int], tuple[Target, ...]] = {}
        #: Per chromosome, the span of target positions (for gVCF reference blocks).
        self.regions: dict[str, tuple[int, int]] = {}

    def start(self, header: Sequence[str], names: Sequence[str], line: int) -> None:
        """Take the `##` header lines and sample names; choose samples, build and targets."""
        self.n_file_samples = len(names)
        if not names:
            raise VcfError(
                self.path, VcfProblem.NO_SAMPLES, "no FORMAT and sample columns, so no GT", line
            )
        if self.wanted is None:
            self.sample_names = tuple(names)
        else:
            index = {name: i for i, name in enumerate(names)}
            missing = [name for name in self.wanted if name not in index]
            if missing:
                raise VcfError(
                    self.path,
                    VcfProblem.UNKNOWN_SAMPLE,
                    f"{', '.join(missing)} not in the file",
                    line,
                )
            self.sample_names = tuple(self.wanted)
            self.sample_columns = [index[name] for name in self.wanted]
        from_header = build_from_header(header)
        self.build_call = (
            from_header if self.stated is None else stated_build(self.stated, from_header)
        )
        builds = list(GenomeBuild) if self.build_call is None else [self.build_call.build]
        self.targets = position_table(self.definitions, builds)
        for chromosome, pos in self.targets:
            low, high = self.regions.get(chromosome, (pos, pos))
            self.regions[chromosome] = (min(low, pos), max(high, pos))

    def add(self, record: RawRecord, found: tuple[Target, ...] | None) -> None:
        """Keep a record at target positions (or a gVCF block covering some)."""
        if record.block_end is None:
            if found:
                record.targets.extend(found)
        else:
            for (chromosome, pos), targets in self.targets.items():
                if chromosome != record.chromosome or not record.pos <= pos <= record.block_end:
                    continue
                record.targets.extend(
                    t for t in targets if pos + len(t.ref) - 1 <= record.block_end
                )
        if record.targets:
            self.records.append(record)

    def decide_build(self) -> BuildCall:
        """The build; from REF agreement when neither the header nor the caller said."""
        if self.build_call is not None:
            return self.build_call
        agree = dict.fromkeys(GenomeBuild, 0)
        for record in self.records:
            if record.block_end is None:
                for target in record.targets:
                    agree[target.build] += record.ref == target.ref
        call = build_from_ref_alleles(agree)
        for record in self.records:
            record.targets = [t for t in record.targets if t.build is call.build]
        self.records = [record for record in self.records if record.targets]
        return call
