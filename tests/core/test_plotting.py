"""Figure helpers: counts in the right number, bar axes from zero, legends off the data."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from genomic_dl.plotting import plural, set_bar_ylim


@pytest.mark.parametrize(
    ("count", "expected"),
    [(1, "1 seed"), (1.0, "1 seed"), (np.int64(1), "1 seed"), (0, "0 seeds"), (3, "3 seeds")],
)
def test_plural(count, expected):
    assert plural(count, "seed") == expected


def test_plural_irregular():
    assert plural(2, "analysis", "analyses") == "2 analyses"
    assert plural(1, "analysis", "analyses") == "1 analysis"


def test_bar_axis_starts_at_zero_and_holds_every_bar():
    fig, ax = plt.subplots()
    assert set_bar_ylim(ax, [0.42, 0.9], [0.47, 0.93]) == (0.0, 1.0)
    assert ax.get_ylim() == (0.0, 1.0)
    low, high = set_bar_ylim(ax, [0.5, 1.3], [np.nan, 1.4])
    assert low == 0.0 and high >= 1.4
    plt.close(fig)


def capture_figures(monkeypatch, module):
    """Replace ``module.save_pdf`` by one that keeps the figure for inspection."""
    figures = []
    monkeypatch.setattr(module, "save_pdf", lambda fig, path, **kw: figures.append(fig))
    return figures


def test_cecil_fig1c_shows_a_mini_cnn_bar_below_the_old_floor(monkeypatch, tmp_path):
    from genomic_dl.cecil2023 import figures_performance

    figures = capture_figures(monkeypatch, figures_performance)
    table = pd.DataFrame(
        {
            "dataset": ["d", "d"],
            "dataset_label": ["three-epoch, s = 0.01"] * 2,
            "population": ["CEU"] * 2,
            "s": [0.01] * 2,
            "method": ["imagene", "mini_cnn"],
            "method_label": ["Imagene", "mini-CNN"],
            "accuracy": [0.9, 0.44],  # the mini-CNN at chance, below 0.45
            "ci_low": [0.88, 0.41],
            "ci_high": [0.92, 0.47],
            "note": ["", ""],
        }
    )
    figures_performance.plot_fig1c(table, tmp_path / "fig1c.pdf")
    ax = figures[0].axes[0]
    assert ax.get_ylim()[0] == 0.0
    bars = [patch for patch in ax.patches if patch.get_height() > 0]
    assert any(abs(bar.get_height() - 0.44) < 1e-9 for bar in bars)
    plt.close(figures[0])


def test_evoaug_box_legend_is_outside_the_axes(monkeypatch, tmp_path):
    from genomic_dl.evoaug2023 import figures

    captured = capture_figures(monkeypatch, figures)
    rows = [
        {"setting": setting, "stage": stage, "seed": seed, "pearson_r": 0.5 + 0.1 * seed}
        for seed in (1,)
        for setting, stage in [("standard", "standard"), ("insertion", "pretrained"), ("insertion", "finetuned")]
    ]
    figures.plot_settings(pd.DataFrame(rows), "pearson_r", tmp_path / "f.pdf", title="Fig 2a")
    fig = captured[0]
    assert "(1 seed per box)" in fig._suptitle.get_text()
    fig.canvas.draw()
    ax = fig.axes[0]
    legend_box = ax.get_legend().get_window_extent()
    assert legend_box.x0 >= ax.get_window_extent().x1  # right of the axes: covers no box
    plt.close(fig)


def test_figure_titles_count_through_plural():
    """No figure module writes '{n} seeds' or 'seed(s)' by hand ('1 seeds')."""
    import re
    from pathlib import Path

    import genomic_dl

    package = Path(genomic_dl.__file__).parent
    pattern = re.compile(r"\{[^{}]*\} seeds\b|seed\(s\)|seed\{'s'")
    offenders = [
        f"{path.relative_to(package)}:{number}"
        for path in package.rglob("figures*.py")
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if pattern.search(line)
    ]
    assert not offenders, offenders
