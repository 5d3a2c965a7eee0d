"""Download rules: fetch one file, resuming and retrying, verified against its checksums.

The config's checksums come first; where it has none, the provider's published MD5 is read at
download time (``zenodo_record``: Zenodo's record API; ``md5_list``: a published MD5 list). A
mismatching file is deleted (nothing is left at the output path).
"""

from genomic_dl.download import download_file_spec
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
download_file_spec(snakemake.params.file, snakemake.output[0], log=log.info)
