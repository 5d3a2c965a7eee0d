"""VCF region reader, sample lists / population panels and the ms-format reader."""

import gzip

import numpy as np
import pytest

from genomic_dl.popgen.images import haplotype_images
from genomic_dl.popgen.vcf import (
    read_ms,
    read_population_panel,
    read_sample_list,
    read_vcf_region,
    samples_of_population,
)

HEADER = "##fileformat=VCFv4.2\n##contig=<ID=1>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\tC\n"
RECORDS = [
    "1\t100\t.\tA\tG\t.\tPASS\t.\tGT\t0|1\t1|1\t0|0",
    "1\t150\t.\tA\tG,T\t.\tPASS\t.\tGT\t0|1\t1|2\t0|0",  # multiallelic
    "1\t200\t.\tAT\tG\t.\tPASS\t.\tGT:DP\t0|1:3\t1|1:4\t0|0:1",  # indel
    "1\t250\t.\tC\tT\t.\tPASS\t.\tGT:DP\t1|0:3\t0/0:4\t0|1:1",  # unphased homozygote is fine
    "1\t300\t.\tC\tT\t.\tPASS\t.\tGT\t1|0\t.|0\t0|1",  # missing allele
    "1\t320\t.\tC\t.\t.\tPASS\t.\tGT\t0|0\t0|0\t0|0",  # no ALT
    "1\t400\t.\tg\tc\t.\tPASS\t.\tGT\t1|1\t0|1\t1|0",
    "2\t100\t.\tC\tT\t.\tPASS\t.\tGT\t1|0\t0|0\t0|1",
]


def write_vcf(path, records=RECORDS, header=HEADER, compress=False):
    text = header + "\n".join(records) + "\n"
    if compress:
        with gzip.open(path, "wt") as handle:
            handle.write(text)
    else:
        path.write_text(text)
    return path


def test_read_region_hand_example(tmp_path):
    region = read_vcf_region(write_vcf(tmp_path / "a.vcf"), "1")
    # columns: sites 100, 250, 400; rows: A left, A right, B left, B right, C left, C right
    expected = np.array([[0, 1, 1], [1, 0, 1], [1, 0, 0], [1, 0, 1], [0, 0, 1], [0, 1, 0]], dtype=np.uint8)
    np.testing.assert_array_equal(region.genotypes, expected)
    assert region.genotypes.dtype == np.uint8
    np.testing.assert_array_equal(region.positions, [100, 250, 400])
    assert region.haplotype_samples == ["A", "A", "B", "B", "C", "C"]
    assert region.skipped == {"no_alt": 1, "multiallelic": 1, "not_snp": 1, "missing": 1, "unphased": 0}


def test_gzip_gives_the_same(tmp_path):
    plain = read_vcf_region(write_vcf(tmp_path / "a.vcf"), "1", 120, 400)
    packed = read_vcf_region(write_vcf(tmp_path / "a.vcf.gz", compress=True), "1", 120, 400)
    np.testing.assert_array_equal(plain.genotypes, packed.genotypes)
    np.testing.assert_array_equal(packed.positions, [250, 400])


def test_region_bounds_are_inclusive_and_contig_specific(tmp_path):
    path = write_vcf(tmp_path / "a.vcf")
    np.testing.assert_array_equal(read_vcf_region(path, "1", 250, 400).positions, [250, 400])
    np.testing.assert_array_equal(read_vcf_region(path, "1", 100, 100).positions, [100])
    other = read_vcf_region(path, "2")
    np.testing.assert_array_equal(other.positions, [100])
    np.testing.assert_array_equal(other.genotypes[:, 0], [1, 0, 0, 0, 0, 1])
    with pytest.raises(ValueError, match="no usable biallelic SNP"):
        read_vcf_region(path, "1", 260, 390)
    with pytest.raises(ValueError, match="no usable biallelic SNP"):
        read_vcf_region(path, "X")


def test_sample_subset_and_order(tmp_path):
    region = read_vcf_region(write_vcf(tmp_path / "a.vcf"), "1", samples=["C", "A"])
    assert region.haplotype_samples == ["C", "C", "A", "A"]
    np.testing.assert_array_equal(region.genotypes, [[0, 0, 0, 1], [0, 1, 1, 0], [0, 1, 1, 1], [1, 0, 0, 1]])
    # without sample B the site at 300 is complete
    np.testing.assert_array_equal(region.positions, [100, 250, 300, 400])
    with pytest.raises(ValueError, match=r"samples not in the VCF header: \['D'\]"):
        read_vcf_region(tmp_path / "a.vcf", "1", samples=["A", "D"])


def test_random_haplotypes_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    haplotypes = rng.integers(0, 2, size=(2 * 20, 50), dtype=np.uint8)
    positions = np.sort(rng.choice(np.arange(1, 80_000), size=50, replace=False))
    calls = np.char.add(np.char.add(haplotypes[0::2].astype(str), "|"), haplotypes[1::2].astype(str))
    header = HEADER.replace("\tA\tB\tC", "".join(f"\ts{i}" for i in range(20)))
    records = [f"7\t{p}\t.\tA\tT\t.\tPASS\t.\tGT\t" + "\t".join(calls[:, j]) for j, p in enumerate(positions)]
    region = read_vcf_region(write_vcf(tmp_path / "r.vcf.gz", records, header, compress=True), "7")
    np.testing.assert_array_equal(region.genotypes, haplotypes)
    np.testing.assert_array_equal(region.positions, positions)


def test_unphased_heterozygote(tmp_path):
    records = RECORDS[:1] + ["1\t500\t.\tC\tT\t.\tPASS\t.\tGT\t0/1\t0|0\t0|1"]
    path = write_vcf(tmp_path / "u.vcf", records)
    with pytest.raises(ValueError, match=r"u\.vcf: unphased heterozygous genotype '0/1' of sample A at 1:500"):
        read_vcf_region(path, "1")
    region = read_vcf_region(path, "1", unphased="skip")
    np.testing.assert_array_equal(region.positions, [100])
    assert region.skipped["unphased"] == 1


def test_haploid_calls_and_ploidy_changes(tmp_path):
    records = ["X\t10\t.\tA\tG\t.\tPASS\t.\tGT\t1\t0|1\t0", "X\t20\t.\tA\tG\t.\tPASS\t.\tGT\t0\t1|1\t1"]
    region = read_vcf_region(write_vcf(tmp_path / "x.vcf", records), "X")
    assert region.haplotype_samples == ["A", "B", "B", "C"]
    np.testing.assert_array_equal(region.genotypes, [[1, 0], [0, 1], [1, 1], [0, 1]])
    mixed = ["X\t10\t.\tA\tG\t.\tPASS\t.\tGT\t1\t0|1\t0", "X\t20\t.\tA\tG\t.\tPASS\t.\tGT\t0|1\t1|1\t1"]
    with pytest.raises(ValueError, match="sample A has both haploid and diploid"):
        read_vcf_region(write_vcf(tmp_path / "m.vcf", mixed), "X")


def test_file_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.vcf"):
        read_vcf_region(tmp_path / "nope.vcf", "1")
    (tmp_path / "junk.vcf").write_text("hello\tworld\n")
    with pytest.raises(ValueError, match="junk.vcf: expected a '#CHROM"):
        read_vcf_region(tmp_path / "junk.vcf", "1")
    bad = ["1\t10\t.\tA\tG\t.\tPASS\t.\tGT\t0|3\t0|0\t0|0"]
    with pytest.raises(ValueError, match="allele other than 0/1"):
        read_vcf_region(write_vcf(tmp_path / "bad.vcf", bad), "1")


def test_sample_list_and_population_panel(tmp_path):
    (tmp_path / "s.txt").write_text("# chosen\nA\n\nC extra\n")
    assert read_sample_list(tmp_path / "s.txt") == ["A", "C"]
    (tmp_path / "p.panel").write_text(
        "sample\tpop\tsuper_pop\tgender\nA\tCHB\tEAS\tmale\nB\tCEU\tEUR\tfemale\nC\tCHB\tEAS\tfemale\n"
    )
    panel = read_population_panel(tmp_path / "p.panel")
    assert panel == {"A": "CHB", "B": "CEU", "C": "CHB"}
    assert samples_of_population(panel, "CHB") == ["A", "C"]
    with pytest.raises(ValueError, match="YRI"):
        samples_of_population(panel, "YRI")
    (tmp_path / "dup.panel").write_text("A CHB\nA CEU\n")
    with pytest.raises(ValueError, match="dup.panel: sample A listed twice"):
        read_population_panel(tmp_path / "dup.panel")


MS = """ms 4 3 -t 5.0
1 2 3

//
segsites: 3
positions: 0.1000 0.5000 0.9000
010
110
001
000

//
segsites: 0

//
segsites: 2
positions: 0.2 0.3
01
10
11
00
"""


def test_read_ms(tmp_path):
    (tmp_path / "a.ms").write_text(MS)
    shard = read_ms(tmp_path / "a.ms")
    np.testing.assert_array_equal(shard["offsets"], [0, 3, 3, 5])
    np.testing.assert_array_equal(
        shard["genotypes"], [[0, 1, 0, 0, 1], [1, 1, 0, 1, 0], [0, 0, 1, 1, 1], [0, 0, 0, 0, 0]]
    )
    np.testing.assert_allclose(shard["positions"], [0.1, 0.5, 0.9, 0.2, 0.3])
    with gzip.open(tmp_path / "a.ms.gz", "wt") as handle:
        handle.write(MS)
    np.testing.assert_array_equal(read_ms(tmp_path / "a.ms.gz")["genotypes"], shard["genotypes"])
    images = haplotype_images(shard["genotypes"], shard["offsets"], sorting="rows", min_maf=0.0, size=(8, 8))
    assert images.shape == (3, 8, 8) and not images[1].any()  # the replicate without sites is blank


def test_read_ms_errors(tmp_path):
    (tmp_path / "short.ms").write_text(MS.replace("110\n", "11\n"))
    with pytest.raises(ValueError, match="short.ms: .*3 characters"):
        read_ms(tmp_path / "short.ms")
    (tmp_path / "bad.ms").write_text(MS.replace("110\n", "120\n"))
    with pytest.raises(ValueError, match="only 0 and 1"):
        read_ms(tmp_path / "bad.ms")
    (tmp_path / "none.ms").write_text("nothing here\n")
    with pytest.raises(ValueError, match="none.ms: no '//'"):
        read_ms(tmp_path / "none.ms")
