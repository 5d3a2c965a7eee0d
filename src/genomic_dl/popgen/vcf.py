"""Readers of haplotype data to predict on: phased VCF regions, sample lists, ms output.

:func:`read_vcf_region` turns one region of a phased VCF (plain text or gzip/bgzip) into a 0/1
haplotype matrix (rows = haplotypes, columns = biallelic SNPs), the input of
:func:`genomic_dl.popgen.images.haplotype_images`. Records are filtered as follows:

* records that are not biallelic SNPs are skipped and counted: ``no_alt`` (ALT ``.``),
  ``multiallelic`` (several ALT alleles), ``not_snp`` (REF or ALT not a single A/C/G/T base:
  indels, symbolic alleles, ``*``);
* sites where a selected sample has a missing allele (``.``) are skipped (``missing``);
* an unphased heterozygous genotype (``0/1``) has no haplotypes: it raises ``ValueError``, or
  with ``unphased="skip"`` skips its site (``unphased``). Unphased homozygous genotypes
  (``0/0``, ``1/1``) are unambiguous and kept.

Haploid calls (``0``) give one haplotype, phased diploid calls (``0|1``) two; a sample's ploidy
must not change within the region. :func:`read_ms` reads ms/msms/msprime ``ms``-format text into
the concatenated-sites shard format of :mod:`genomic_dl.popgen.simulate`.
"""

from __future__ import annotations

import gzip
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import numpy as np

__all__ = [
    "VcfRegion",
    "read_ms",
    "read_population_panel",
    "read_sample_list",
    "read_vcf_region",
    "samples_of_population",
]

_VCF_COLUMNS = ("#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT")
_BASES = frozenset("ACGT")
_GZIP_MAGIC = b"\x1f\x8b"
SKIP_REASONS = ("no_alt", "multiallelic", "not_snp", "missing", "unphased")


@dataclass(frozen=True)
class VcfRegion:
    """Haplotypes of one VCF region.

    genotypes: uint8 (n_haplotypes, n_sites), 0 = REF, 1 = ALT allele.
    positions: int64 (n_sites,), VCF POS (1-based bp).
    haplotype_samples: (n_haplotypes,) the sample of each row; a diploid sample's two
        haplotypes are consecutive rows (left then right allele of ``a|b``).
    skipped: number of records (sites) skipped for each reason of :data:`SKIP_REASONS`.
    """

    genotypes: np.ndarray
    positions: np.ndarray
    haplotype_samples: list[str]
    skipped: dict[str, int] = field(default_factory=dict)


def _open_text(path: Path) -> TextIO:
    """Open ``path`` for reading text, gunzipping it when it starts with the gzip magic bytes."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    with open(path, "rb") as handle:
        magic = handle.read(2)
    if magic == _GZIP_MAGIC:
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return open(path, encoding="utf-8")


def _read_header(handle: TextIO, path: Path) -> list[str]:
    """Skip ``##`` meta lines; return the sample names of the ``#CHROM`` line."""
    for line in handle:
        if line.startswith("##"):
            continue
        columns = line.rstrip("\r\n").split("\t")
        if tuple(columns[: len(_VCF_COLUMNS)]) != _VCF_COLUMNS or len(columns) == len(_VCF_COLUMNS):
            raise ValueError(
                f"{path}: expected a '#CHROM POS ID REF ALT QUAL FILTER INFO FORMAT <samples...>' header line, got {line[:80]!r}"
            )
        return columns[len(_VCF_COLUMNS) :]
    raise ValueError(f"{path}: no '#CHROM' header line (not a VCF file?)")


def _sample_columns(all_samples: list[str], samples: Sequence[str] | None, path: Path) -> np.ndarray:
    """Column indices (among the sample columns) of the requested ``samples`` (all if None)."""
    if samples is None:
        return np.arange(len(all_samples))
    samples = list(samples)
    if len(samples) == 0 or len(set(samples)) != len(samples):
        raise ValueError(
            f"samples must be a non-empty list of distinct sample names, got {len(samples)} names with duplicates or none"
        )
    column = {name: i for i, name in enumerate(all_samples)}
    missing = [name for name in samples if name not in column]
    if missing:
        raise ValueError(f"{path}: samples not in the VCF header: {missing[:10]}{' ...' if len(missing) > 10 else ''}")
    return np.array([column[name] for name in samples])


def _record_kind(ref: str, alt: str) -> str | None:
    """Skip reason of a record, or None for a biallelic SNP."""
    if alt == ".":
        return "no_alt"
    if "," in alt:
        return "multiallelic"
    if len(ref) != 1 or len(alt) != 1 or ref.upper() not in _BASES or alt.upper() not in _BASES:
        return "not_snp"
    return None


def _scan_records(
    handle: TextIO, path: Path, chrom: str, start: int, end: float
) -> tuple[list[int], list[list[str]], dict[str, int]]:
    """Positions and raw sample fields of the biallelic SNPs of ``chrom:start-end``.

    The VCF must be sorted (records of a contig together, by position), as every indexed VCF
    is: the scan stops after the region.
    """
    prefix = chrom + "\t"
    positions: list[int] = []
    fields: list[list[str]] = []
    skipped = dict.fromkeys(SKIP_REASONS, 0)
    in_contig = False
    for line_number, line in enumerate(handle, start=1):
        if not line.startswith(prefix):
            if in_contig:
                break
            continue
        in_contig = True
        record = line.rstrip("\r\n").split("\t")
        try:
            pos = int(record[1])
        except (IndexError, ValueError):
            raise ValueError(
                f"{path}: record {line_number} after the header has no integer POS: {line[:80]!r}"
            ) from None
        if pos < start:
            continue
        if pos > end:
            break
        reason = _record_kind(record[3], record[4])
        if reason is not None:
            skipped[reason] += 1
            continue
        if not record[8].startswith("GT"):
            raise ValueError(f"{path}: {chrom}:{pos}: FORMAT {record[8]!r} does not start with GT")
        positions.append(pos)
        fields.append(record[9:])
    return positions, fields, skipped


def _genotype_alleles(fields: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split GT strings (sites, samples) into alleles.

    Returns ``left`` and ``right`` allele strings (``right`` is '' for haploid calls), a boolean
    ``diploid`` array and a boolean ``unphased_het`` array, all of shape (sites, samples).
    """
    gt = np.char.partition(fields, ":")[..., 0]
    unphased = np.char.find(gt, "/") >= 0
    parts = np.char.partition(np.char.replace(gt, "/", "|"), "|")
    left, separator, right = parts[..., 0], parts[..., 1], parts[..., 2]
    return left, right, separator == "|", unphased & (left != right)


def _haplotype_matrix(left: np.ndarray, right: np.ndarray, diploid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """0/1 haplotypes from validated allele strings.

    ``left``/``right`` (sites, samples) hold "0"/"1" ("" for haploid samples), ``diploid``
    (samples,) each sample's ploidy. Returns ``genotypes`` uint8 (n_haplotypes, sites), a
    diploid sample's rows consecutive, and ``has_haplotype`` bool (samples, 2).
    """
    alleles = np.stack([left == "1", right == "1"], axis=2)
    has_haplotype = np.stack([np.ones_like(diploid), diploid], axis=1)
    return alleles[:, has_haplotype].T.astype(np.uint8), has_haplotype


def _no_sites(path: Path, region: str, skipped: dict[str, int]) -> ValueError:
    return ValueError(f"{path}: no usable biallelic SNP in {region} (skipped: {skipped})")


def read_vcf_region(
    path: str | os.PathLike,
    chrom: str,
    start: int | None = None,
    end: int | None = None,
    samples: Sequence[str] | None = None,
    *,
    unphased: str = "error",
) -> VcfRegion:
    """Phased haplotypes of the biallelic SNPs of ``chrom:start-end``.

    Parameters
    ----------
    path : VCF file, plain or gzip/bgzip-compressed (detected from its first bytes); sorted.
    chrom : contig name as written in the VCF (``"2"`` or ``"chr2"``).
    start, end : 1-based inclusive bounds on POS; None = from the start / to the end of ``chrom``.
    samples : sample names to keep, in this order; None = all samples of the header.
    unphased : ``"error"`` (default) or ``"skip"``: what to do with a site where a selected
        sample has an unphased heterozygous genotype.

    Returns
    -------
    :class:`VcfRegion`. See the module docstring for which records are skipped.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    ValueError
        Not a VCF, unknown samples, an unphased heterozygote (``unphased="error"``), alleles
        other than 0/1 at a biallelic site, a sample whose ploidy changes, or no usable site.
    """
    path = Path(path)
    if unphased not in ("error", "skip"):
        raise ValueError(f"unphased must be 'error' or 'skip', got {unphased!r}")
    lo = 1 if start is None else int(start)
    hi = np.inf if end is None else int(end)
    if lo > hi:
        raise ValueError(f"region start {start} is after its end {end}")
    with _open_text(path) as handle:
        all_samples = _read_header(handle, path)
        columns = _sample_columns(all_samples, samples, path)
        positions, fields, skipped = _scan_records(handle, path, str(chrom), lo, hi)
    region = f"{chrom}:{lo}-{end if end is not None else 'end'}"
    if not positions:
        raise _no_sites(path, region, skipped)
    if any(len(row) != len(all_samples) for row in fields):
        raise ValueError(
            f"{path}: a record of {region} has a different number of sample columns than the header ({len(all_samples)})"
        )
    raw = np.array(fields, dtype=str).reshape(len(fields), len(all_samples))[:, columns]
    left, right, diploid, unphased_het = _genotype_alleles(raw)
    missing = (np.char.find(left, ".") >= 0) | (np.char.find(right, ".") >= 0)
    keep = ~missing.any(axis=1)
    skipped["missing"] = int((~keep).sum())
    bad_phase = unphased_het.any(axis=1) & keep
    if bad_phase.any() and unphased == "error":
        site, sample = np.argwhere(unphased_het & keep[:, None])[0]
        raise ValueError(
            f"{path}: unphased heterozygous genotype {raw[site, sample].split(':')[0]!r} of sample "
            f"{all_samples[columns[sample]]} at {chrom}:{positions[site]}; phased haplotypes are needed "
            "(or pass unphased='skip')"
        )
    skipped["unphased"] = int(bad_phase.sum())
    keep &= ~bad_phase
    if not keep.any():
        raise _no_sites(path, region, skipped)
    left, right, diploid = left[keep], right[keep], diploid[keep]
    ploidy_changes = (diploid != diploid[0]).any(axis=0)
    if ploidy_changes.any():
        name = all_samples[columns[int(np.argmax(ploidy_changes))]]
        raise ValueError(f"{path}: sample {name} has both haploid and diploid calls in {region}")
    valid = np.isin(left, ("0", "1")) & (np.isin(right, ("0", "1")) | ~diploid)
    if not valid.all():
        site, sample = np.argwhere(~valid)[0]
        position = np.asarray(positions)[keep][site]
        raise ValueError(
            f"{path}: allele other than 0/1 at the biallelic site {chrom}:{position} (sample {all_samples[columns[sample]]})"
        )
    genotypes, has_haplotype = _haplotype_matrix(left, right, diploid[0])
    names = np.array([all_samples[c] for c in columns])
    haplotype_samples = np.repeat(names[:, None], 2, axis=1)[has_haplotype].tolist()
    return VcfRegion(genotypes, np.asarray(positions, dtype=np.int64)[keep], haplotype_samples, skipped)


def _data_lines(path: Path) -> list[list[str]]:
    """Whitespace-split, non-empty, non-comment lines of a small text file."""
    with _open_text(path) as handle:
        return [line.split() for line in handle if line.strip() and not line.lstrip().startswith("#")]


def read_sample_list(path: str | os.PathLike) -> list[str]:
    """Sample names, one per line (first whitespace-separated field; ``#`` lines ignored)."""
    path = Path(path)
    names = [fields[0] for fields in _data_lines(path)]
    if not names:
        raise ValueError(f"{path}: no sample names")
    return names


def read_population_panel(path: str | os.PathLike) -> dict[str, str]:
    """``{sample: population}`` from a panel file (columns: sample, population, ...).

    The 1000 Genomes ``.panel`` layout (``sample pop super_pop gender``, with that header line)
    works as is; a first line whose first field is ``sample`` is taken as a header.
    """
    path = Path(path)
    rows = _data_lines(path)
    if rows and rows[0][0].lower() == "sample":
        rows = rows[1:]
    if not rows or any(len(row) < 2 for row in rows):
        raise ValueError(f"{path}: expected lines 'sample population ...' with at least two columns")
    panel: dict[str, str] = {}
    for sample, population, *_ in rows:
        if sample in panel:
            raise ValueError(f"{path}: sample {sample} listed twice")
        panel[sample] = population
    return panel


def samples_of_population(panel: dict[str, str], population: str) -> list[str]:
    """The samples of ``population`` in ``panel`` order; unknown population raises ``ValueError``."""
    samples = [sample for sample, pop in panel.items() if pop == population]
    if not samples:
        raise ValueError(f"population {population!r} not in the panel; known: {sorted(set(panel.values()))}")
    return samples


def _ms_replicate(lines: list[str], start: int, path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Parse the replicate whose ``//`` line is ``lines[start]``: (genotypes (n_hap, n_sites), positions)."""
    header = lines[start + 1].strip() if start + 1 < len(lines) else ""
    if not header.startswith("segsites:"):
        raise ValueError(f"{path}: line {start + 2}: expected 'segsites: <n>' after '//', got {header[:40]!r}")
    n_sites = int(header.split(":", 1)[1])
    row = start + 2
    positions = np.zeros(0)
    if n_sites > 0:
        if row >= len(lines) or not lines[row].startswith("positions:"):
            raise ValueError(f"{path}: line {row + 1}: expected 'positions: ...' after 'segsites: {n_sites}'")
        positions = np.array(lines[row].split(":", 1)[1].split(), dtype=np.float64)
        if positions.size != n_sites:
            raise ValueError(f"{path}: line {row + 1}: {positions.size} positions for segsites {n_sites}")
        row += 1
    rows = []
    while row < len(lines) and lines[row].strip() and lines[row].strip() != "//":
        rows.append(lines[row].strip())
        row += 1
    if n_sites > 0 and any(len(r) != n_sites for r in rows):
        raise ValueError(
            f"{path}: replicate at line {start + 1}: haplotype rows must have {n_sites} characters (segsites)"
        )
    if n_sites == 0:
        return np.zeros((len(rows), 0), dtype=np.uint8), positions
    genotypes = np.frombuffer("".join(rows).encode("ascii"), dtype=np.uint8).reshape(len(rows), n_sites) - ord("0")
    if genotypes.size and genotypes.max() > 1:
        raise ValueError(f"{path}: replicate at line {start + 1}: haplotype rows must hold only 0 and 1")
    return genotypes, positions


def read_ms(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Replicates of an ms-format file (ms, msms, ``msprime ... --ms``; plain or gzip).

    Each replicate is ``//``, ``segsites: n``, ``positions: ...`` (when n > 0) and one 0/1 row
    per haplotype.

    Returns
    -------
    dict with the shard arrays of :mod:`genomic_dl.popgen.simulate`:
    ``genotypes`` uint8 (n_haplotypes, total_sites), ``offsets`` int64 (n_replicates + 1,) and
    ``positions`` float64 (total_sites,) (relative positions in [0, 1], as ms writes them).
    """
    path = Path(path)
    with _open_text(path) as handle:
        lines = handle.read().splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() == "//"]
    if not starts:
        raise ValueError(f"{path}: no '//' replicate line (not ms-format output?)")
    replicates = [_ms_replicate(lines, start, path) for start in starts]
    with_sites = {g.shape[0] for g, _ in replicates if g.shape[1] > 0}
    if len(with_sites) > 1:
        raise ValueError(f"{path}: replicates differ in their number of haplotypes: {sorted(with_sites)}")
    if not with_sites:
        raise ValueError(f"{path}: no replicate has a segregating site")
    n_haplotypes = with_sites.pop()
    blocks = [g if g.shape[1] else np.zeros((n_haplotypes, 0), dtype=np.uint8) for g, _ in replicates]
    widths = [block.shape[1] for block in blocks]
    return {
        "genotypes": np.concatenate(blocks, axis=1),
        "offsets": np.concatenate([[0], np.cumsum(widths)]).astype(np.int64),
        "positions": np.concatenate([p for _, p in replicates]),
    }


def population_region(
    vcf: str | os.PathLike, panel: str | os.PathLike, chrom: str, start: int, end: int, populations: Sequence[str]
) -> tuple[dict[str, np.ndarray], dict]:
    """One VCF region of the panel's ``populations`` as a one-replicate simulation shard.

    Returns ``(arrays, metadata)`` in the layout of :mod:`genomic_dl.popgen.simulate` shards:
    ``genotypes`` uint8 (H, W) with the haplotypes of each population in ``populations`` order,
    ``offsets`` [0, W], ``positions`` float64 (W,) in bp, ``haplotype_population`` int8 (H,)
    (index into ``populations``); ``metadata`` names the source, region, populations and the
    records skipped by reason.
    """
    table = read_population_panel(panel)
    samples = [sample for population in populations for sample in samples_of_population(table, population)]
    region = read_vcf_region(vcf, chrom, start, end, samples, unphased="skip")
    index = {population: i for i, population in enumerate(populations)}
    haplotype_population = np.array([index[table[sample]] for sample in region.haplotype_samples], dtype=np.int8)
    arrays = {
        "genotypes": region.genotypes,
        "offsets": np.array([0, region.genotypes.shape[1]], dtype=np.int64),
        "positions": region.positions.astype(np.float64),
        "haplotype_population": haplotype_population,
    }
    metadata = {
        "source": str(vcf),
        "panel": str(panel),
        "region": f"{chrom}:{start}-{end}",
        "populations": list(populations),
        "skipped": region.skipped,
    }
    return arrays, metadata
