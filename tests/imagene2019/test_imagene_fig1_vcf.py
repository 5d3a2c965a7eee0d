"""ImaGene Fig 1 from a real-data VCF region: download rules (checksums) and parsing, offline.

A small phased VCF and a 1000 Genomes-style panel are served over loopback; the workflow downloads
them, extracts the region of three populations and draws Fig 1. A wrong checksum must stop the
download rule and leave no file behind.
"""

import functools
import gzip
import hashlib
import http.server
import subprocess
import sys
import threading

import pandas as pd
import pytest
import yaml
from conftest import REPO

POPULATIONS = {"YRI": ["y1", "y2"], "CEU": ["c1", "c2"], "CHB": ["h1", "h2", "h3"]}
# (position, genotypes of y1 y2 c1 c2 h1 h2 h3); the region is 100-500.
RECORDS = [
    (50, ["0|1", "0|0", "0|0", "0|0", "0|0", "0|0", "0|0"]),  # before the region
    (120, ["0|1", "1|1", "0|0", "0|0", "0|0", "0|0", "0|0"]),  # polymorphic in YRI only
    (200, ["1|1", "1|1", "0|0", "0|0", "1|1", "1|1", "1|1"]),  # fixed differences only: not shown
    (310, ["0|0", "0|0", "0|1", "0|0", "1|0", "0|1", "1|1"]),  # polymorphic in CEU and CHB
    (400, ["0|0", "0|0", "0|0", "0|0", "0|0", "0|0", "0|1"]),  # CHB singleton
    (450, ["0|0", "0/1", "0|0", "0|0", "0|0", "0|0", "0|0"]),  # unphased heterozygote: skipped
    (700, ["0|1", "0|0", "0|0", "0|0", "0|0", "0|0", "0|0"]),  # after the region
]


def write_inputs(directory):
    samples = [s for names in POPULATIONS.values() for s in names]
    lines = ["##fileformat=VCFv4.2", "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(samples)]
    lines += [f"2\t{pos}\t.\tA\tG\t.\tPASS\t.\tGT\t" + "\t".join(gts) for pos, gts in RECORDS]
    (directory / "region.vcf.gz").write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    panel = ["sample\tpop\tsuper_pop\tgender"] + [
        f"{s}\t{pop}\tX\tfemale" for pop, names in POPULATIONS.items() for s in names
    ]
    (directory / "samples.panel").write_text("\n".join(panel) + "\n")


@pytest.fixture
def server(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    write_inputs(served)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def run_fig1(tmp_path, base_url, md5):
    override = {
        "imagene": {
            "fig1": {
                "source": "vcf",
                "populations": list(POPULATIONS),
                "focal_population": "CHB",
                "vcf": {
                    "chrom": "2",
                    "start": 100,
                    "end": 500,
                    "files": {
                        "vcf": {"url": f"{base_url}/region.vcf.gz", "md5": md5["vcf"]},
                        "panel": {"url": f"{base_url}/samples.panel", "md5": md5["panel"]},
                    },
                },
            }
        }
    }
    config = tmp_path / "fig1_vcf.yaml"
    config.write_text(yaml.safe_dump(override))
    workdir = tmp_path / "run"
    return workdir, subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "--cores",
            "1",
            "--configfile",
            str(REPO / "config/presets/smoke.yaml"),
            str(config),
            "--directory",
            str(workdir),
            "results/smoke/imagene2019/fig1_image_representations.csv",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def md5_of(path):
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_fig1_from_a_served_vcf_region(server, tmp_path):
    served, url = server
    workdir, result = run_fig1(
        tmp_path, url, {"vcf": md5_of(served / "region.vcf.gz"), "panel": md5_of(served / "samples.panel")}
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    table = pd.read_csv(workdir / "results/smoke/imagene2019/fig1_image_representations.csv")
    frequency = table[table["panel"] == "b_population_derived_frequency"]
    # Sites 120, 310 and 400 are polymorphic in a population; 200 is not, 450 was skipped (unphased).
    assert sorted(frequency["site"].unique()) == [0, 2, 3]
    chb_310 = frequency[(frequency["row"] == "CHB") & (frequency["site"] == 2)]["value"].item()
    assert chb_310 == pytest.approx(4 / 6)
    # Panel d has the 6 CHB haplotypes.
    assert table[table["panel"] == "d_haplotype_derived_allele"]["row"].nunique() == 6
    assert "unphased" in (workdir / "results/smoke/logs/imagene2019/fig1_region.log").read_text()


def test_wrong_checksum_stops_the_download_and_leaves_nothing(server, tmp_path):
    served, url = server
    workdir, result = run_fig1(tmp_path, url, {"vcf": "0" * 32, "panel": md5_of(served / "samples.panel")})
    assert result.returncode != 0
    log = (workdir / "results/smoke/logs/imagene2019/fig1_download_vcf.log").read_text()
    assert "md5" in log.lower() and "0" * 32 in log
    assert not (workdir / "resources/imagene2019/fig1_vcf").exists()
    assert not list((workdir / "resources/imagene2019").glob("fig1_vcf*"))
