"""Rules evoaug_cagi5_download, evoaug_hg19_checksums, evoaug_hg19_chromosome: resumable,
checksum-verified downloads for the CAGI5 analysis (paper preset)."""

from pathlib import Path

from genomic_dl.download import download
from genomic_dl.evoaug2023.interpretation import md5_from_listing
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
url, md5 = snakemake.params.url, snakemake.params.md5
if not url:
    raise ValueError(
        f"no download address for {snakemake.output[0]}: set {snakemake.params.setting} in the config, "
        f"or place the file at {snakemake.output[0]} yourself"
    )
if hasattr(snakemake.input, "checksums"):  # hg19 chromosomes: UCSC's md5sum.txt
    md5 = md5_from_listing(snakemake.input.checksums, Path(snakemake.output[0]).name)
if md5 is None:
    log.warning("%s: no checksum configured; the file is not verified", url)
download(url, snakemake.output[0], md5=md5, log=log.info)
