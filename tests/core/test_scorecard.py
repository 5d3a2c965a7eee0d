"""Scorecard: claims checked against hand-made result tables; the shipped claims file is valid."""

import math

import pandas as pd
import pytest
import yaml
from conftest import REPO
from jsonschema import Draft202012Validator

from genomic_dl.scorecard import evaluate_claim, scorecard, select_cell, write_markdown

TABLE = pd.DataFrame(
    {
        "sorting": ["none", "rows", "rows"],
        "S": [200, 200, 400],
        "accuracy_mean": [0.5, 0.9, 0.95],
        "accuracy_sd": [0.0, 0.02, 0.01],
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


@pytest.mark.parametrize(
    "compare, paper_value, status, reference",
    [
        (
            {
                "op": "greater_than",
                "tolerance": 0.3,
                "other": {"where": {"sorting": "none", "S": 200}, "column": "accuracy_mean"},
            },
            None,
            "PASS",
            0.5,
        ),
        (
            {
                "op": "greater_than",
                "tolerance": 0.5,
                "other": {"where": {"sorting": "none", "S": 200}, "column": "accuracy_mean"},
            },
            None,
            "FAIL",
            0.5,
        ),
        ({"op": "within", "tolerance": 0.05}, 0.94, "PASS", 0.94),
        ({"op": "within", "tolerance": 0.03}, 0.94, "FAIL", 0.94),
        ({"op": "at_least"}, 0.9, "PASS", 0.9),
        ({"op": "less_than", "value": 0.95}, None, "PASS", 0.95),
        ({"op": "at_most", "value": 0.85}, None, "FAIL", 0.85),
    ],
)
def test_claim_outcomes(compare, paper_value, status, reference):
    row = evaluate_claim({**claim(**compare), "paper_value": paper_value}, {"t.csv": TABLE})
    assert row["status"] == status
    assert row["ours"] == 0.9 and row["ours_sd"] == 0.02 and row["reference"] == pytest.approx(reference)


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
    assert "**PASS** 1 · **FAIL** 0 · **NOT RUN** 1" in text and "| rows beat unsorted | Fig 3 | 0.9 ± 0.02 |" in text


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
