"""Scorecard: claims checked against hand-made result tables; the shipped claims file is valid."""

import math

import pandas as pd
import pytest
import yaml
from conftest import REPO
from jsonschema import Draft202012Validator
from scipy import stats

from genomic_dl.scorecard import (
    decide,
    difference_interval,
    evaluate_claim,
    fisher_interval,
    scorecard,
    select_cell,
    training_budgets,
    wilson_interval,
    write_markdown,
)

TABLE = pd.DataFrame(
    {
        "sorting": ["none", "rows", "rows"],
        "S": [200, 200, 400],
        "accuracy_mean": [0.5, 0.9, 0.95],
        "accuracy_sd": [0.0, 0.02, 0.01],
        "n_seeds": [5, 5, 5],
    }
)


def claim(**compare):
    return {
        "id": "c",
        "paper": "ImaGene 2019",
        "figure": "Fig 3",
        "claim": "rows beat unsorted",
        "table": "t.csv",
        "ours": {"where": {"sorting": "rows", "S": 200}, "column": "accuracy_mean", "sd_column": "accuracy_sd"},
        "compare": compare,
    }


SEEDS = pd.DataFrame(
    {
        "sorting": ["none", "rows", "rows"],
        "S": [200, 200, 400],
        "accuracy_mean": [0.5, 0.9, 0.95],
        "accuracy_sd": [0.01, 0.02, 0.01],
        "n_seeds": [5, 5, 5],
    }
)


@pytest.mark.parametrize(
    "compare, paper_value, status, reference",
    [
        # seeds vs seeds (Welch): 0.9 +- 0.02 vs 0.5 +- 0.01, n = 5 each
        (
            {
                "op": "greater_than",
                "tolerance": 0.3,
                "other": {
                    "where": {"sorting": "none", "S": 200},
                    "column": "accuracy_mean",
                    "sd_column": "accuracy_sd",
                },
            },
            None,
            "PASS",
            0.5,
        ),
        (
            {
                "op": "greater_than",
                "tolerance": 0.5,
                "other": {
                    "where": {"sorting": "none", "S": 200},
                    "column": "accuracy_mean",
                    "sd_column": "accuracy_sd",
                },
            },
            None,
            "FAIL",
            0.5,
        ),
        # against the paper's number (one-sample t)
        ({"op": "within", "tolerance": 0.05}, 0.91, "PASS", 0.91),
        ({"op": "within", "tolerance": 0.03}, 0.99, "FAIL", 0.99),
        ({"op": "within", "tolerance": 0.03}, 0.93, "INCONCLUSIVE", 0.93),
        ({"op": "at_least"}, 0.85, "PASS", 0.85),
        ({"op": "at_least"}, 0.9, "INCONCLUSIVE", 0.9),
        ({"op": "less_than", "value": 0.95}, None, "PASS", 0.95),
        ({"op": "at_most", "value": 0.85}, None, "FAIL", 0.85),
        ({"op": "greater_than", "value": 0.89}, None, "INCONCLUSIVE", 0.89),
    ],
)
def test_claim_outcomes(compare, paper_value, status, reference):
    row = evaluate_claim({**claim(**compare), "paper_value": paper_value}, {"t.csv": SEEDS})
    assert row["status"] == status
    assert row["ours"] == 0.9 and row["ours_sd"] == 0.02 and row["reference"] == pytest.approx(reference)


# Hand-made tables for which each operator must give each verdict.
# Seeds: ours and other are means over 5 seeds (Welch); binomial: accuracies on one test set of n.
def seeds_table(ours, other, sd=0.02, n=5):
    return pd.DataFrame({"m": ["a", "b"], "v": [ours, other], "sd": [sd, sd], "n_seeds": [n, n]})


def binomial_table(ours, other, n=1000):
    return pd.DataFrame({"m": ["a", "b"], "v": [ours, other], "ci_low": [0, 0], "n_test": [n, n]})


def pair_claim(op, tolerance=0.0, seeds=True):
    cell = {"column": "v", **({"sd_column": "sd"} if seeds else {})}
    return {
        "id": "c",
        "paper": "EvoAug 2023",
        "figure": "Fig 1b",
        "claim": "a vs b",
        "table": "t.csv",
        "ours": {"where": {"m": "a"}, **cell},
        "compare": {"op": op, "tolerance": tolerance, "other": {"where": {"m": "b"}, **cell}},
    }


@pytest.mark.parametrize("seeds", [True, False])
@pytest.mark.parametrize(
    "op, tolerance, ours, other, status",
    [
        ("greater_than", 0.0, 0.80, 0.70, "PASS"),
        ("greater_than", 0.0, 0.70, 0.80, "FAIL"),
        ("greater_than", 0.0, 0.705, 0.70, "INCONCLUSIVE"),  # a difference inside the noise
        ("less_than", 0.0, 0.70, 0.80, "PASS"),
        ("less_than", 0.0, 0.80, 0.70, "FAIL"),
        ("less_than", 0.0, 0.70, 0.705, "INCONCLUSIVE"),
        ("at_least", 0.05, 0.70, 0.70, "PASS"),
        ("at_least", 0.05, 0.60, 0.80, "FAIL"),
        ("at_least", 0.05, 0.66, 0.70, "INCONCLUSIVE"),
        ("at_most", 0.05, 0.70, 0.70, "PASS"),
        ("at_most", 0.05, 0.80, 0.60, "FAIL"),
        ("at_most", 0.05, 0.74, 0.70, "INCONCLUSIVE"),
        ("within", 0.1, 0.70, 0.70, "PASS"),
        ("within", 0.1, 0.90, 0.60, "FAIL"),
        ("within", 0.1, 0.79, 0.70, "INCONCLUSIVE"),
    ],
)
def test_every_operator_gives_every_verdict(op, tolerance, ours, other, status, seeds):
    table = seeds_table(ours, other) if seeds else binomial_table(ours, other)
    row = evaluate_claim(pair_claim(op, tolerance, seeds), {"t.csv": table})
    assert row["status"] == status, (row["diff_low"], row["diff_high"])
    assert row["noise"] == ("seeds (Welch t)" if seeds else "test set (Wilson)")
    assert row["diff_low"] <= ours - other <= row["diff_high"]


def test_one_sided_pass_fails_as_two_sided():
    # mini-CNN far above Imagene: "at most 3 points below" holds, "close to" (±3 points) does not
    table = binomial_table(0.90, 0.70)
    assert evaluate_claim(pair_claim("at_least", 0.03, seeds=False), {"t.csv": table})["status"] == "PASS"
    assert evaluate_claim(pair_claim("within", 0.03, seeds=False), {"t.csv": table})["status"] == "FAIL"


def test_one_seed_is_inconclusive_and_chance_needs_its_interval():
    row = evaluate_claim(pair_claim("greater_than"), {"t.csv": seeds_table(0.9, 0.5, sd=0.0, n=1)})
    assert row["status"] == "INCONCLUSIVE" and "1 seed" in row["note"]
    # an accuracy of 0.55 on 100 test images is not above chance; on 10,000 it is
    above_chance = {**pair_claim("greater_than", seeds=False), "compare": {"op": "greater_than", "value": 0.5}}
    assert evaluate_claim(above_chance, {"t.csv": binomial_table(0.55, 0.5, n=100)})["status"] == "INCONCLUSIVE"
    assert evaluate_claim(above_chance, {"t.csv": binomial_table(0.55, 0.5, n=10000)})["status"] == "PASS"


def test_intervals_match_textbook_values():
    low, high = wilson_interval(0.6, 40, z=1.959964)
    assert (round(low, 3), round(high, 3)) == (0.446, 0.737)
    low, high = fisher_interval(0.5, 103, z=1.959964)
    assert (round(low, 3), round(high, 3)) == (0.339, 0.632)
    # Welch: equal sd and n -> df = 2 (n - 1)
    low, high = difference_interval(
        {"value": 1.0, "noise": "seeds", "sd": 1.0, "n": 5}, {"value": 0.0, "noise": "seeds", "sd": 1.0, "n": 5}
    )
    assert high - 1.0 == pytest.approx(stats.t.ppf(0.95, 8) * math.sqrt(2 / 5))
    assert decide("within", -0.01, 0.01, 0.02) == "PASS"


def test_timing_rows_are_not_counted_and_budget_is_shown(tmp_path):
    path = tmp_path / "t.csv"
    seeds_table(0.8, 0.7).to_csv(path, index=False)
    timing = {**pair_claim("greater_than"), "id": "t", "table": str(path), "timing": True}
    trained = {**pair_claim("greater_than"), "id": "u", "table": str(path), "budget": "cecil"}
    budgets = training_budgets({"simulation": {"replicates_per_shard": 1000}, "cecil2023": {"split": [0.8, 0.1, 0.1]}})
    assert budgets["cecil"]["fraction"] == pytest.approx(1600 * 2 / 160_000)
    card = scorecard([timing, trained], [str(path)], budgets)
    assert card["status"].tolist() == ["PASS", "PASS"] and card["counted"].tolist() == [False, True]
    write_markdown(card, tmp_path / "s.md", "Scorecard")
    text = (tmp_path / "s.md").read_text()
    assert "**PASS** 1 · **FAIL** 0 · **INCONCLUSIVE** 0 · **NOT RUN** 0" in text
    assert "timing, not counted" in text and "| 3,200 / 160,000 (2%) |" in text and "small (< 10%)" in text


def test_not_run_by_design_gives_its_reason():
    row = evaluate_claim({**claim(op="at_least", value=0.5), "not_run": "not the paper's definition"}, {"t.csv": SEEDS})
    assert row["status"] == "NOT RUN" and "not the paper's definition" in row["note"]


def test_missing_table_is_not_run_with_the_reason():
    row = evaluate_claim({**claim(op="at_least", value=0.5), "requires": "SLiM unavailable"}, {})
    assert row["status"] == "NOT RUN" and "SLiM unavailable" in row["note"] and math.isnan(row["ours"])


def test_selection_must_be_unique_and_columns_must_exist():
    with pytest.raises(ValueError, match="2 rows match"):
        select_cell(TABLE, {"sorting": "rows"}, "accuracy_mean", "t.csv")
    with pytest.raises(ValueError, match="no column 'auroc'"):
        select_cell(TABLE, {"sorting": "none"}, "auroc", "t.csv")


def test_scorecard_rejects_duplicate_ids_and_writes_markdown(tmp_path):
    path = tmp_path / "t.csv"
    TABLE.to_csv(path, index=False)
    first = {**claim(op="at_least", value=0.5), "table": str(path)}
    with pytest.raises(ValueError, match=r"duplicated claim ids \['c'\]"):
        scorecard([first, first], [str(path)])
    second = {**first, "id": "d", "table": "results/missing.csv"}
    card = scorecard([first, second], [str(path)])
    assert card["status"].tolist() == ["PASS", "NOT RUN"]
    write_markdown(card, tmp_path / "s.md", "Scorecard")
    text = (tmp_path / "s.md").read_text()
    assert (
        "**PASS** 1 · **FAIL** 0 · **INCONCLUSIVE** 0 · **NOT RUN** 1" in text
        and "| rows beat unsorted | Fig 3 | 0.9 ± 0.02 |" in text
    )


def test_shipped_claims_file_is_valid():
    schema = yaml.safe_load((REPO / "workflow/schemas/claims.schema.yaml").read_text())
    claims = yaml.safe_load((REPO / "config/claims.yaml").read_text())
    errors = list(Draft202012Validator(schema).iter_errors(claims))
    assert not errors, errors[0].message
    ids = [c["id"] for c in claims["claims"]]
    assert len(ids) == len(set(ids))


def test_undefined_value_is_not_run():
    table = TABLE.assign(accuracy_mean=[0.5, float("nan"), 0.95])
    row = evaluate_claim({**claim(op="at_least", value=0.5)}, {"t.csv": table})
    assert row["status"] == "NOT RUN" and "undefined" in row["note"]


def test_not_run_cell_reports_the_tables_reason():
    table = TABLE.assign(
        accuracy_mean=[0.5, float("nan"), 0.95], note=[None, "not run (SLiM unavailable: config slim = skip)", None]
    )
    row = evaluate_claim(claim(op="at_least", value=0.5), {"t.csv": table})
    assert row["status"] == "NOT RUN" and row["note"] == "not run (SLiM unavailable: config slim = skip)"
    # the reason given on the compared row counts too
    compared = claim(op="at_least", other={"where": {"sorting": "rows", "S": 200}, "column": "accuracy_mean"})
    compared["ours"] = {"where": {"sorting": "rows", "S": 400}, "column": "accuracy_mean"}
    row = evaluate_claim(compared, {"t.csv": table})
    assert row["status"] == "NOT RUN" and row["ours"] == 0.95 and "SLiM unavailable" in row["note"]


def test_offset_log_scale_nonzero_and_missing_rows():
    table = pd.DataFrame({"m": ["a", "b"], "v": [0.98, 1.0], "sd": [0.0, 0.0], "n_seeds": [5, 5]})
    ratio = pair_claim("within", 0.002)
    ratio["compare"].update(scale="log10", offset=math.log10(0.98))
    assert evaluate_claim(ratio, {"t.csv": table})["status"] == "PASS"  # "lower by about 2%"
    shifted = pair_claim("within", 0.005)
    shifted["compare"]["offset"] = -0.042  # "4.2 points below"
    assert evaluate_claim(shifted, {"t.csv": table.assign(v=[0.5, 0.54])})["status"] == "PASS"
    assert evaluate_claim(shifted, {"t.csv": table.assign(v=[0.54, 0.54])})["status"] == "FAIL"
    zeros = pair_claim("at_least")
    zeros["compare"]["nonzero"] = True  # 0 >= 0 is no evidence
    assert evaluate_claim(zeros, {"t.csv": table.assign(v=[0.0, 0.0])})["status"] == "INCONCLUSIVE"
    absent = pair_claim("greater_than")
    absent["ours"]["where"] = {"m": "c"}  # e.g. a TF the preset leaves out
    row = evaluate_claim(absent, {"t.csv": table})
    assert row["status"] == "NOT RUN" and "no row matches" in row["note"]
