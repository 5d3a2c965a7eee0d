"""Download rules: fetch one file, resuming and retrying, verified against the config's checksums."""

from genomic_dl.download import download
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
spec = snakemake.params.file
if not any(spec.get(key) for key in ("md5", "sha256", "size")):
    log.warning("%s: no checksum or size in the config; the download is not verified", spec["url"])
download(
    spec["url"],
    snakemake.output[0],
    sha256=spec.get("sha256"),
    md5=spec.get("md5"),
    size=spec.get("size"),
    log=log.info,
)
