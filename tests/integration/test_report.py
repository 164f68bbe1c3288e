"""The replication report (`make report`): its verdicts come from the published values, its
files are deterministic, and on a fresh demo `make run` its verdicts agree with the
generator's ground truth."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.defs.publish.metadata import (
    COMPLEXITY,
    HEADLINES,
    complexity_table,
    data_quality_metadata,
    headline_metadata,
    headline_table,
)
from orchestration.report.findings import FAILS, FINDINGS, HOLDS, UNKNOWN, Condition
from orchestration.report.replication import main, write_report
from orchestration.settings import REPO_ROOT, Settings
from tests.unit.defs.test_monitoring import (
    DONGGUAN,
    KUNSHAN,
    build_marts,
    group_rows,
    indicator_rows,
)

MANIFEST = {
    "publish_id": "0123456789abcdef",
    "fingerprint": "0123456789abcdef" * 4,
    "releases": [{"release_id": "asif-2009-r1", "sha256": "0" * 64, "status": "loaded"}],
}


def _published(
    tmp_path: Path, rows: list[tuple] | None = None, groups: list[tuple] | None = None
) -> Settings:
    """A data dir whose serve/ holds hand-made marts and a manifest."""
    settings = Settings.from_env({"CITYGVC_DATA_DIR": str(tmp_path / "data")})
    build_marts(settings.serve_dir / "citygvc.duckdb", rows, groups)
    (settings.serve_dir / "manifest.json").write_text(json.dumps(MANIFEST))
    return settings


def _replace(rows, city, year, indicator, source, value, conf="F"):
    return [
        (*r[:5], value, r[6], r[7], r[8], conf, r[10])
        if (r[0], r[1], r[2], r[3], r[4]) == (city, year, indicator, "total", source)
        else r
        for r in rows
    ]


def test_all_findings_hold_on_the_seed_shaped_values(tmp_path: Path) -> None:
    outcome = write_report(_published(tmp_path))
    assert [r.verdict for r in outcome.results] == [HOLDS] * 4
    page = outcome.page.read_text()
    assert "All 4 of the seed&#x27;s findings hold in the published marts." in page
    # the evidence quotes the hand values and their status
    assert "Kunshan 2000: 15.0 % (A), needs &lt; 20 %" in page
    assert "Dongguan 2020: 26.0 % (A), needs &lt; 30 %" in page
    assert "publish <code>0123456789abcdef</code>" in page
    assert '<img src="replication.png"' in page
    assert outcome.png.read_bytes().startswith(b"\x89PNG")


def test_a_changed_value_changes_the_verdict(tmp_path: Path) -> None:
    # Kunshan 2009 at 55 % breaks "over 60 % in 2009"; the other findings are unaffected.
    rows = _replace(indicator_rows(), KUNSHAN, 2009, "ict_share_mfg_output", "asif", 0.55)
    outcome = write_report(_published(tmp_path, rows))
    assert [r.verdict for r in outcome.results] == [FAILS, HOLDS, HOLDS, HOLDS]
    assert [e.verdict for e in outcome.results[0].evidence] == [HOLDS, FAILS]
    page = outcome.page.read_text()
    assert (
        "3 of 4 of the seed&#x27;s findings hold in the published marts; 1 does not hold." in page
    )
    assert "Kunshan 2009: 55.0 % (A), needs &gt; 60 %" in page


def test_suppressed_or_missing_values_cannot_be_checked(tmp_path: Path) -> None:
    rows = _replace(
        indicator_rows(), DONGGUAN, 2020, "fdi_dependency_ict_va", "fdi_city", None, conf="C"
    )
    rows = [r for r in rows if not (r[0] == KUNSHAN and r[1] == 2020 and r[4] == "fdi_city")]
    outcome = write_report(_published(tmp_path, rows))
    assert [r.verdict for r in outcome.results] == [HOLDS, HOLDS, UNKNOWN, UNKNOWN]
    page = outcome.page.read_text()
    assert "Dongguan 2020: suppressed (C), needs &lt; 30 %" in page
    assert "Kunshan 2020: no published value, needs &gt; 80 %" in page
    assert "2 cannot be checked" in page


def test_segment_sentences_follow_the_data(tmp_path: Path) -> None:
    page = write_report(_published(tmp_path)).page.read_text()
    assert (
        "Kunshan&#x27;s largest published ICT segment: computers 60.0 % in 1998; computers 60.0 %"
        in page
    )
    assert "Dongguan&#x27;s largest published ICT segment: telecom equipment 50.0 % in 1998" in page


def test_complexity_section_follows_the_data(tmp_path: Path) -> None:
    # test_monitoring's hand values: ECI 0.5 - 0.9 t (Kunshan) and -1.0 + 2.1 t (Dongguan),
    # t = (year - 1998) / 15; ICT groups' mean density 0.40 - 0.20 t and 0.30 + 0.15 t.
    page = write_report(_published(tmp_path)).page.read_text()
    assert (
        "ECI: Kunshan 0.50 in 1998 → -0.40 in 2013 (down 0.90); "
        "Dongguan -1.00 in 1998 → 1.10 in 2013 (up 2.10)." in page
    )
    # 0.5 - 0.9 t > -1.0 + 2.1 t while t < 0.5: 1998-2005
    assert (
        "Kunshan&#x27;s ECI is above Dongguan&#x27;s in 8 of the 16 years with both published; "
        "in 2013 Dongguan&#x27;s is higher." in page
    )
    assert (
        "Mean relatedness density of the ICT groups: Kunshan 0.400 in 1998 → 0.200 in 2013 "
        "(down 0.200); Dongguan 0.300 in 1998 → 0.450 in 2013 (up 0.150)." in page
    )
    # 0.40 - 0.20 t > 0.30 + 0.15 t while t < 2/7: 1998-2002
    assert "ICT groups is above Dongguan&#x27;s in 5 of the 16 years" in page
    # the table: 2003 is a break (B) in both series; 0.20 / -0.30 and 0.333 / 0.350
    assert (
        "<tr><td>2003</td><td>0.20 <span class=flag>B</span></td>"
        "<td>-0.30 <span class=flag>B</span></td><td>0.333 <span class=flag>B</span></td>"
        "<td>0.350 <span class=flag>B</span></td></tr>" in page
    )
    assert "<dt>eci — Economic complexity index (ECI)</dt>" in page


def test_a_withheld_ict_group_withholds_the_mean(tmp_path: Path) -> None:
    # Dongguan 2013's group 396 is suppressed: its 2013 mean is withheld, and the sentences
    # compare the years with both means published (1998-2012).
    groups = [
        (*r[:5], None, r[6], r[7], r[8], "C", r[10])
        if (r[0], r[1], r[3], r[4]) == (DONGGUAN, 2013, "396", "relatedness_density")
        else r
        for r in group_rows()
    ]
    page = write_report(_published(tmp_path, groups=groups)).page.read_text()
    assert "Dongguan 0.300 in 1998 → 0.440 in 2012 (up 0.140)" in page
    assert "in 5 of the 15 years with both published; in 2012 Dongguan&#x27;s is higher." in page
    assert (
        "<tr><td>2013</td><td>-0.40</td><td>1.10</td><td>0.200</td>"
        "<td><span class=flag>C</span></td></tr>" in page
    )


def test_report_is_byte_identical_for_the_same_marts(tmp_path: Path) -> None:
    settings = _published(tmp_path)
    first = write_report(settings, tmp_path / "one")
    second = write_report(settings, tmp_path / "two")
    assert first.png.read_bytes() == second.png.read_bytes()
    assert first.page.read_bytes() == second.page.read_bytes()


def test_cli_without_published_marts_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("CITYGVC_DATA_DIR", str(tmp_path / "data"))
    assert main([]) == 1
    assert "run `make run` first" in capsys.readouterr().err


# The whole path: a fresh demo refresh, then `python -m orchestration.report` ---------------


def _truth_value(
    truth: pd.DataFrame, city: str, series: tuple[str, str, str], year: int
) -> float | None:
    """The generator's true value of (indicator, source, breakdown) for a city-year."""
    indicator, source, breakdown = series
    hit = truth[
        (truth["city_code"] == city)
        & (truth["year"] == year)
        & (truth["indicator_id"] == indicator)
        & (truth["breakdown"] == breakdown)
        & (truth["source"] == source)
    ]
    return None if hit.empty or pd.isna(hit["value"].iloc[0]) else float(hit["value"].iloc[0])


def _truth_verdict(truth: pd.DataFrame, condition: Condition) -> str:
    value = _truth_value(truth, condition.city, condition.series, condition.year)
    if value is None:
        return UNKNOWN
    above = value > condition.threshold
    below = value < condition.threshold
    return HOLDS if (above if condition.above else below) else FAILS


def _complexity_from_marts(served: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Kunshan's and Dongguan's ECI, and the mean relatedness density of their groups of
    division 39 (codes 39x), per year, straight from the published marts."""
    with duckdb.connect(str(served), read_only=True) as con:
        eci = con.execute(
            "select city_code, year, value from marts.fct_city_indicators "
            "where indicator_id = 'eci' and breakdown = 'total' and source = 'asif' "
            f"and city_code in ('{KUNSHAN}', '{DONGGUAN}') order by all"
        ).df()
        density = con.execute(
            "select city_code, year, avg(value) as value, count(*) as groups, "
            "count(value) as published from marts.fct_city_industry_indicators "
            "where indicator_id = 'relatedness_density' and industry_level = 'group' "
            "and industry_code like '39_' "
            f"and city_code in ('{KUNSHAN}', '{DONGGUAN}') group by all order by all"
        ).df()
    # a mean over fewer groups than exist is withheld
    density.loc[density["published"] < density["groups"], "value"] = None
    return eci, density


def _check_complexity_section(served: Path, page: str) -> None:
    """The report's ECI and ICT relatedness figures, recomputed here from the marts."""
    eci, density = _complexity_from_marts(served)
    assert not eci.empty and not density.empty
    assert set(density["groups"]) == {8}  # the eight groups of division 39
    # disclosure on (the demo run) withholds every relatedness density (it reveals presence);
    # the page's density figures are checked on hand-made marts (test_complexity_section_…)
    assert (density["published"] == 0).all()
    for frame, digits in ((eci, 2),):
        wide = frame.pivot(index="year", columns="city_code", values="value").dropna()
        for city, name in ((KUNSHAN, "Kunshan"), (DONGGUAN, "Dongguan")):
            rows = frame[(frame["city_code"] == city) & frame["value"].notna()]
            first, last = rows.iloc[0], rows.iloc[-1]
            assert (
                f"{name} {first['value']:.{digits}f} in {first['year']} → "
                f"{last['value']:.{digits}f} in {last['year']}"
            ) in page
            for row in rows.itertuples():
                assert f">{row.value:.{digits}f}" in page, (name, row.year)
        above = int((wide[KUNSHAN] > wide[DONGGUAN]).sum())
        assert f"above Dongguan&#x27;s in {above} of the {len(wide)} years" in page


@pytest.mark.slow
def test_make_report_after_a_fresh_run_agrees_with_ground_truth(demo_run: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "orchestration.report"],
        cwd=demo_run.parent,
        env={**os.environ, "CITYGVC_DATA_DIR": str(demo_run), "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    png, page = demo_run / "report" / "replication.png", demo_run / "report" / "replication.html"
    print(f"report: {png} {page}")
    assert png.read_bytes().startswith(b"\x89PNG")
    html_text = page.read_text()

    truth = pd.read_parquet(demo_run / "releases" / "_ground_truth.parquet")
    truth["year"] = truth["year"].astype(int)
    outcome = write_report(
        Settings.from_env({"CITYGVC_DATA_DIR": str(demo_run)}), demo_run / "report-again"
    )
    for finding, result in zip(FINDINGS, outcome.results, strict=True):
        expected = [_truth_verdict(truth, c) for c in finding.conditions]
        assert [e.verdict for e in result.evidence] == expected, finding.text
        assert f"[{result.verdict}] {finding.text}" in run.stdout
    _check_complexity_section(demo_run / "serve" / "citygvc.duckdb", html_text)
    # the CLI's page and a second rendering of the same publish are the same bytes
    assert (demo_run / "report-again" / "replication.html").read_text() == html_text
    assert (demo_run / "report-again" / "replication.png").read_bytes() == png.read_bytes()


@pytest.mark.slow
def test_monitoring_metadata_on_the_demo_publish(demo_run: Path, tmp_path: Path) -> None:
    """The headline table quotes the generator's true values; every loaded release has its
    fct_data_quality row."""
    truth = pd.read_parquet(demo_run / "releases" / "_ground_truth.parquet")
    truth["year"] = truth["year"].astype(int)
    manifest = json.loads((demo_run / "serve" / "manifest.json").read_text())
    loaded = [r["release_id"] for r in manifest["releases"] if r["status"] == "loaded"]
    settings = Settings.from_env({"CITYGVC_DATA_DIR": str(tmp_path / "data")})
    with duckdb.connect(str(demo_run / "serve" / "citygvc.duckdb"), read_only=True) as con:
        table = headline_table(con)
        quality = data_quality_metadata(con, loaded)
        assert headline_metadata(con, settings)["headline_plot_path"].value.endswith(".png")
    for headline in HEADLINES:
        for year in headline.years:
            for city in (KUNSHAN, DONGGUAN):
                series = (headline.indicator_id, headline.source, headline.breakdown)
                expected = _truth_value(truth, city, series, year)
                assert expected is not None, (series, city, year)
                assert f"{expected * 100:.1f} %" in table, (headline.label, city, year)
    rows = [line for line in quality["data_quality"].value.splitlines() if line.startswith("| ")]
    assert {row.split("|")[1].strip() for row in rows[1:]} == set(loaded)

    # the complexity table: ECI and the ICT groups' mean density, recomputed from the marts
    with duckdb.connect(str(demo_run / "serve" / "citygvc.duckdb"), read_only=True) as con:
        complexity = complexity_table(con)
    eci, density = _complexity_from_marts(demo_run / "serve" / "citygvc.duckdb")
    for headline, frame, digits in zip(COMPLEXITY, (eci, density), (2, 3), strict=True):
        latest = int(frame["year"].max())
        for year in (*headline.years, latest):
            label = str(year) if year in headline.years else f"{year} (latest)"
            cells = []
            for city in (KUNSHAN, DONGGUAN):
                hit = frame[(frame["city_code"] == city) & (frame["year"] == year)]
                assert not hit.empty, (city, year)
                value = hit["value"].iloc[0]
                # a withheld mean (every density, with disclosure on) shows its status
                cells.append(f"{value:.{digits}f} (" if pd.notna(value) else "suppressed (")
            line = f"| {headline.label} | asif | {label} | {cells[0]}"
            row = next(r for r in complexity.splitlines() if r.startswith(line))
            assert f"| {cells[1]}" in row, row
