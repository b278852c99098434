"""`symbiosis validate` on the time tables (docs/format.md, "Time"): each check names the file,
line and column, exits 2 without a traceback, and a valid set-up is summarised."""
from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from symbiosis.cli import main

from .conftest import DATA

SEASONS = "period,weight\nwet,0.5\ndry,0.5\n"


def model(tmp_path, files: dict[str, str], yaml: str = "") -> str:
    """tiny-park (firms A, B, C, W; stream S_A_scrap 100 t) with time files beside it."""
    folder = tmp_path / "m"
    shutil.copytree(DATA / "tiny-park", folder)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    if yaml:
        with open(folder / "model.yaml", "a", encoding="utf-8") as f:
            f.write(yaml)
    return str(folder)


def validate(path: str):
    return CliRunner().invoke(main, ["validate", path])


def refused(path: str, *expected: str) -> str:
    out = validate(path)
    assert out.exit_code == 2, out.output
    assert "Traceback" not in out.output and ": valid" not in out.output
    for text in expected:
        assert text in out.output, (text, out.output)
    return out.output


def test_a_valid_time_set_up_is_summarised(tmp_path):
    path = model(tmp_path, {
        "periods.csv": SEASONS,
        "stream_periods.csv": "stream_id,period,quantity\nS_A_scrap,wet,70\nS_A_scrap,dry,30\n",
        "volume_scenarios.csv": "scenario,probability,resource,factor\nlow,0.4,steel_scrap,0.5\n"
                                "high,0.6,steel_scrap,1.5\n"},
        "horizon: {start: 2025, end: 2027}\n")
    out = validate(path)
    assert out.exit_code == 0, out.output
    assert "time: periods 2 (wet 0.5, dry 0.5), stream_periods 2 rows for 1 streams, " \
        "scenarios 2 (low 0.4, high 0.6), horizon 2025-2027 (3 years, permit_years 0), " \
        "states 12" in out.output


def test_a_park_without_time_says_nothing_of_it(tmp_path):
    out = validate(model(tmp_path, {}))
    assert out.exit_code == 0 and "time:" not in out.output


def test_tables_are_checked_while_time_is_off(tmp_path):
    path = model(tmp_path, {"periods.csv": "period,weight\nwet,0.5\ndry,0.4\n"},
                 "time: {enabled: false}\n")
    refused(path, "periods.csv", "column weight", "weights sum to 0.9, expected 1")
    ok = validate(model(tmp_path / "ok", {"periods.csv": SEASONS}, "time: {enabled: false}\n"))
    assert ok.exit_code == 0 and "[time.enabled: false" in ok.output


@pytest.mark.parametrize("files, expected", [
    ({"periods.csv": "period,weight\nwet,0.5\ndry,abc\n"},
     ("periods.csv", "line 3", "weight")),
    ({"periods.csv": "period,weight\nwet,0.5\ndry,0\n"},
     ("periods.csv", "line 3", "weight")),
    ({"periods.csv": "period,weight\nwet,0.5\nwet,0.5\n"},
     ("periods.csv, line 3, column period: period 'wet' appears more than once",)),
    ({"periods.csv": SEASONS, "stream_periods.csv":
      "stream_id,period,quantity\nS_A_scrap,wet,50\nNOPE,dry,50\n"},
     ("stream_periods.csv, line 3, column stream_id: unknown stream 'NOPE'",)),
    ({"periods.csv": SEASONS, "stream_periods.csv":
      "stream_id,period,quantity\nS_A_scrap,wet,50\nS_A_scrap,spring,50\n"},
     ("stream_periods.csv, line 3, column period: unknown period 'spring'",)),
    ({"periods.csv": SEASONS, "stream_periods.csv":
      "stream_id,period,quantity\nS_A_scrap,wet,50\nS_A_scrap,wet,50\n"},
     ("stream_periods.csv, line 3, column period: stream and period given more than once",)),
    ({"periods.csv": SEASONS, "stream_periods.csv":
      "stream_id,period,quantity\nS_A_scrap,wet,50\nS_A_scrap,dry,40\n"},
     ("stream_periods.csv, line 2, column quantity: the periods of stream 'S_A_scrap' sum to "
      "90, expected its annual quantity 100",)),
    ({"stream_periods.csv": "stream_id,period,quantity\nS_A_scrap,wet,100\n"},
     ("stream_periods.csv", "needs periods.csv")),
    ({"volume_scenarios.csv": "scenario,probability,resource,factor\nlow,0.5,steel_scrap,0.5\n"
                              "high,0.4,steel_scrap,1.5\n"},
     ("volume_scenarios.csv", "column probability", "probabilities sum to 0.9, expected 1")),
    ({"volume_scenarios.csv": "scenario,probability,resource,factor\nlow,0.5,steel_scrap,0.5\n"
                              "low,0.4,tin,1.5\nhigh,0.5,tin,2\n"},
     ("volume_scenarios.csv, line 3, column probability: scenario 'low' has more than one "
      "probability",)),
    ({"volume_scenarios.csv": "scenario,probability,resource,stream_id,factor\n"
                              "low,0.5,steel_scrap,S_A_scrap,0.5\nhigh,0.5,gold,,2\n"},
     ("volume_scenarios.csv, line 2, column resource: give exactly one of resource and "
      "stream_id", "volume_scenarios.csv, line 3, column resource: unknown resource 'gold'")),
])
def test_each_time_check_names_file_line_and_column(tmp_path, files, expected):
    refused(model(tmp_path, files), *expected)


def test_arrives_must_come_before_leaves(tmp_path):
    path = model(tmp_path, {})
    firms = (tmp_path / "m" / "firms.csv")
    lines = firms.read_text(encoding="utf-8").splitlines()
    lines[0] += ",arrives,leaves"
    lines[1] += ",2027,2027"  # A: leaves the year it arrives
    lines[2] += ",2026.5,"  # B
    lines[3:] = [line + ",," for line in lines[3:]]
    firms.write_text("\n".join(lines) + "\n", encoding="utf-8")
    refused(path, "firms.csv, line 2, column leaves: leaves (2027) is not after arrives (2027)",
            "firms.csv, line 3, column arrives: 2026.5 is not a whole year")


def test_a_firm_never_present_in_the_horizon_is_a_warning(tmp_path):
    path = model(tmp_path, {}, "horizon: {start: 2025, end: 2027}\n")
    firms = (tmp_path / "m" / "firms.csv")
    lines = firms.read_text(encoding="utf-8").splitlines()
    lines[0] += ",arrives"
    lines[1:] = [line + ("," if i else ",2031") for i, line in enumerate(lines[1:])]
    firms.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = CliRunner().invoke(main, ["validate", path])
    assert out.exit_code == 0, out.output
    assert "firms.csv: line 2, column arrives: firm 'A' is never present in the horizon " \
        "2025-2027" in out.stderr
    assert "phases: 1 firms arrive, 0 leave" in out.output


def test_a_horizon_that_ends_before_it_starts(tmp_path):
    refused(model(tmp_path, {}, "horizon: {start: 2027, end: 2025}\n"),
            "model.yaml, key horizon.end: horizon ends (2025) before it starts (2027)")


def test_a_scenario_excluding_a_firm_drops_its_stream_periods(tmp_path):
    """A's stream has per-period rows; a scenario excluding A must not call them unknown."""
    path = model(tmp_path, {
        "periods.csv": SEASONS,
        "stream_periods.csv": "stream_id,period,quantity\nS_A_scrap,wet,70\nS_A_scrap,dry,30\n"})
    scenario = tmp_path / "no-a.yaml"
    scenario.write_text(f"name: no-a\nmodel: {path}\nexclude_firms: [A]\n", encoding="utf-8")
    out = validate(str(scenario))
    assert out.exit_code == 0, out.output
    assert "unknown stream" not in out.output
