"""Bad input: every mistake in a park model or scenario is one short message, exit code 2.

For each bad input, `symbiosis validate PATH` and `symbiosis run PATH -o OUT` must
- exit with code 2,
- print ONE message naming the file and the row, column or key at fault,
- print no traceback,
- write no result folder (OUT does not exist afterwards).

Each test copies the tiny park (and its scenarios folder, so that `model: ../tiny-park`
still resolves) into tmp_path, corrupts ONE thing and runs the CLI. Row numbers are what a
user sees: in a CSV the header is line 1, so the first data row is line 2; in a workbook
sheet the first data row is Excel row 2.
"""
from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from symbiosis.cli import main

DATA = Path(__file__).parent / "data"
TABLE_FILES = ("firms.csv", "resources.csv", "streams.csv", "exchanges.csv", "qualities.csv")


# --- helpers: copy the park, corrupt one thing ----------------------------------------------


@pytest.fixture
def park(tmp_path: Path) -> Path:
    """A private copy of the tiny park at tmp_path/tiny-park (scenarios beside it)."""
    shutil.copytree(DATA / "tiny-park", tmp_path / "tiny-park")
    shutil.copytree(DATA / "scenarios", tmp_path / "scenarios")
    return tmp_path / "tiny-park"


def _read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def set_cell(folder: Path, file: str, line: int, column: str, value: str) -> None:
    """Set one cell; `line` is the CSV line as a user sees it (header = line 1)."""
    rows = _read(folder / file)
    rows[line - 1][rows[0].index(column)] = value
    _write(folder / file, rows)


def append_row(folder: Path, file: str, **values: str) -> int:
    """Append a row (missing columns blank); return its line number."""
    rows = _read(folder / file)
    rows.append([str(values.get(c, "")) for c in rows[0]])
    _write(folder / file, rows)
    return len(rows)


def drop_column(folder: Path, file: str, column: str) -> None:
    rows = _read(folder / file)
    i = rows[0].index(column)
    _write(folder / file, [r[:i] + r[i + 1:] for r in rows])


def add_column(folder: Path, file: str, column: str) -> None:
    rows = _read(folder / file)
    _write(folder / file, [rows[0] + [column]] + [r + [""] for r in rows[1:]])


def replace_text(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def write_scenario(park: Path, body: str, name: str = "bad.yaml") -> Path:
    """A scenario beside tiny-baseline.yaml, naming the copied park unless body says otherwise."""
    path = park.parent / "scenarios" / name
    head = "name: bad\n" + ("" if "model:" in body else "model: ../tiny-park\n")
    path.write_text(head + body, encoding="utf-8")
    return path


# --- helpers: run the CLI and check the common requirements ---------------------------------


def assert_bad_input(args: list[str], *expected: str, out: Path | None = None) -> str:
    """Run the CLI; check exit 2, one message containing all `expected`, no traceback, no OUT."""
    result = CliRunner().invoke(main, args)
    shown = f"args: {args}\nexit code: {result.exit_code}\noutput:\n{result.output}"
    assert result.exit_code == 2, shown
    # exit 2 must come from our handler, not from an exception CliRunner swallowed
    assert result.exception is None or isinstance(result.exception, SystemExit), shown
    assert "Traceback" not in result.stdout and "Traceback" not in result.stderr, shown
    assert result.stdout.strip() == "", shown  # nothing printed besides the error
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected ONE message\n{shown}"
    message = lines[0]
    assert message.startswith("error: "), shown
    for part in expected:
        assert part in message, f"{part!r} missing from the message\n{shown}"
    if out is not None:
        assert not out.exists(), f"{out} was written\n{shown}"
    return message


@pytest.fixture(params=["validate", "run"])
def check(request, tmp_path: Path):
    """check(PATH, *expected): run `validate PATH` or `run PATH -o OUT`, assert bad input."""

    def _check(path: Path, *expected: str) -> str:
        out = tmp_path / "out"
        args = ["validate", str(path)]
        if request.param == "run":
            args = ["run", str(path), "-o", str(out)]
        return assert_bad_input(args, *expected, out=out)

    return _check


# --- controls: the unmodified copy is valid --------------------------------------------------


def test_control_copy_validates(park: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(park)])
    assert result.exit_code == 0, result.output
    scenario = park.parent / "scenarios" / "tiny-baseline.yaml"
    result = CliRunner().invoke(main, ["validate", str(scenario)])
    assert result.exit_code == 0, result.output


@pytest.mark.solver
def test_control_copy_runs(park: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(park), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "kpis.json").exists()


# --- 1, 2: unknown references ---------------------------------------------------------------


def test_unknown_firm_in_streams(park: Path, check) -> None:
    set_cell(park, "streams.csv", 3, "firm_id", "ZZ")
    check(park, "streams.csv", "line 3", "column firm_id", "unknown firm", "ZZ")


def test_unknown_resource_in_streams(park: Path, check) -> None:
    set_cell(park, "streams.csv", 3, "resource", "nope")
    check(park, "streams.csv", "line 3", "column resource", "unknown resource", "nope")


@pytest.mark.parametrize("column", ["from_resource", "to_resource"])
def test_unknown_resource_in_exchanges(park: Path, check, column: str) -> None:
    set_cell(park, "exchanges.csv", 2, column, "nope")
    check(park, "exchanges.csv", "line 2", f"column {column}", "unknown resource", "nope")


# --- 3: duplicate ids ------------------------------------------------------------------------


@pytest.mark.parametrize("file, column, row", [
    ("firms.csv", "firm_id", dict(firm_id="A", name="Dup", park="North", sector="x",
                                  x_km="1", y_km="1")),
    ("resources.csv", "resource", dict(resource="water", category="water", unit="m3",
                                       mode="pipe")),
    ("streams.csv", "stream_id", dict(stream_id="S_A_scrap", firm_id="A", direction="supply",
                                      resource="steel_scrap", quantity="5")),
])
def test_duplicate_id(park: Path, check, file: str, column: str, row: dict) -> None:
    line = append_row(park, file, **row)
    check(park, file, f"line {line}", f"column {column}", "duplicate")


# --- 4: missing required column --------------------------------------------------------------


@pytest.mark.parametrize("file, column", [("streams.csv", "quantity"), ("resources.csv", "unit")])
def test_missing_required_column(park: Path, check, file: str, column: str) -> None:
    drop_column(park, file, column)
    check(park, file, f"column {column}", "missing")


# --- 5, 6: bad numbers --------------------------------------------------------------------


@pytest.mark.parametrize("value", ["abc", "-5", ""], ids=["text", "negative", "blank"])
def test_bad_quantity(park: Path, check, value: str) -> None:
    set_cell(park, "streams.csv", 3, "quantity", value)
    check(park, "streams.csv", "line 3", "column quantity")


@pytest.mark.parametrize("value", ["0", "-1"])
def test_yield_not_positive(park: Path, check, value: str) -> None:
    set_cell(park, "exchanges.csv", 2, "yield", value)
    check(park, "exchanges.csv", "line 2", "column yield")


# --- 7: unknown choices ---------------------------------------------------------------------


def test_unknown_category(park: Path, check) -> None:
    set_cell(park, "resources.csv", 2, "category", "gas")
    check(park, "resources.csv", "line 2", "column category", "gas")


def test_unknown_direction(park: Path, check) -> None:
    set_cell(park, "streams.csv", 3, "direction", "sideways")
    check(park, "streams.csv", "line 3", "column direction", "sideways")


# --- 8: quality of an unknown stream ----------------------------------------------------------


def test_quality_for_unknown_stream(park: Path, check) -> None:
    line = append_row(park, "qualities.csv", stream_id="NOPE", property="cod_mg_l", value="10")
    check(park, "qualities.csv", f"line {line}", "column stream_id", "unknown stream", "NOPE")


# --- 9: firm without coordinates -------------------------------------------------------------


def test_firm_without_coordinates(park: Path, check) -> None:
    set_cell(park, "firms.csv", 3, "x_km", "")
    set_cell(park, "firms.csv", 3, "y_km", "")
    check(park, "firms.csv", "line 3", "column x_km", "coordinates")


# --- 10, 14: unreadable YAML, duplicate keys --------------------------------------------------


def test_broken_yaml_syntax(park: Path, check) -> None:
    replace_text(park / "model.yaml",
                 "economics: {discount_rate: 0.08, lifetime_years: 15, carbon_price: 0}",
                 "economics: {discount_rate: 0.08")
    message = check(park, "model.yaml", "invalid YAML")
    # the broken mapping opens on line 3; PyYAML notices it on the next line
    assert "line 3" in message or "line 4" in message, message


def test_broken_yaml_syntax_in_scenario(park: Path, check) -> None:
    path = write_scenario(park, "set: {economics.carbon_price: 5\n")
    message = check(path, "bad.yaml", "invalid YAML")
    assert "line 3" in message or "line 4" in message, message


def test_duplicate_key_in_model_yaml(park: Path, check) -> None:
    replace_text(park / "model.yaml", "currency: USD\n", "currency: USD\ncurrency: EUR\n")
    check(park, "model.yaml", "line 3", "duplicate key", "currency")


def test_duplicate_key_in_nested_mapping(park: Path, check) -> None:
    replace_text(park / "model.yaml", "heat: {min_approach_c: 10}",
                 "heat: {min_approach_c: 10, min_approach_c: 20}")
    check(park, "model.yaml", "line 8", "duplicate key", "min_approach_c")


def test_duplicate_key_in_scenario(park: Path, check) -> None:
    path = write_scenario(park, "exclude_firms: [C]\nexclude_firms: [A]\n")
    check(path, "bad.yaml", "line 4", "duplicate key", "exclude_firms")


# --- 11: unknown keys -----------------------------------------------------------------------


def test_unknown_key_in_model_yaml(park: Path, check) -> None:
    replace_text(park / "model.yaml", "discount_rate:", "discount_rat:")
    check(park, "model.yaml", "key economics.discount_rat", "unknown key")


def test_unknown_key_in_scenario(park: Path, check) -> None:
    path = write_scenario(park, "exclud_firms: [C]\n")
    check(path, "bad.yaml", "key exclud_firms", "unknown key")


def test_unknown_set_key_in_scenario(park: Path, check) -> None:
    path = write_scenario(park, "set: {economics.carbon_prise: 5}\n")
    check(path, "bad.yaml", "key set.economics.carbon_prise", "unknown key")


# --- 12: scenario naming things that do not exist --------------------------------------------


def test_scenario_missing_model_folder(park: Path, check) -> None:
    path = write_scenario(park, "model: ../no-such-park\n")
    check(path, "bad.yaml", "key model", "no-such-park")


def test_scenario_excludes_unknown_firm(park: Path, check) -> None:
    path = write_scenario(park, "exclude_firms: [NOPE]\n")
    check(path, "bad.yaml", "key exclude_firms[0]", "NOPE")


# --- 13: YAML python tags are refused, nothing runs --------------------------------------------


def test_python_tag_in_model_yaml_refused(park: Path, check, tmp_path: Path) -> None:
    marker = tmp_path / "hacked"
    with (park / "model.yaml").open("a", encoding="utf-8") as f:
        f.write(f'description: !!python/object/apply:os.system ["touch {marker}"]\n')
    check(park, "model.yaml", "line 9", "tag")
    assert not marker.exists(), "the YAML tag was executed"


def test_python_tag_in_scenario_refused(park: Path, check, tmp_path: Path) -> None:
    marker = tmp_path / "hacked"
    path = write_scenario(park, f'description: !!python/object/apply:os.system ["touch {marker}"]\n')
    check(path, "bad.yaml", "line 3", "tag")
    assert not marker.exists(), "the YAML tag was executed"


# --- 15: missing required file ------------------------------------------------------------


def test_missing_required_file(park: Path, check) -> None:
    (park / "firms.csv").unlink()
    check(park, "firms.csv", "missing")


# --- 16: a workbook park ---------------------------------------------------------------------


def make_workbook(park: Path) -> Path:
    """Move the park's tables into park.xlsx (sheet names = file stems); name it in model.yaml."""
    book = park / "park.xlsx"
    with pd.ExcelWriter(book, engine="openpyxl") as writer:
        for name in TABLE_FILES:
            frame = pd.read_csv(park / name, dtype=str, keep_default_na=False)
            frame.to_excel(writer, sheet_name=Path(name).stem, index=False)
            (park / name).unlink()
    with (park / "model.yaml").open("a", encoding="utf-8") as f:
        f.write("workbook: park.xlsx\n")
    return book


def set_sheet_cell(book: Path, sheet: str, index: int, column: str, value: str) -> None:
    """Set one cell of a sheet; `index` is the data row index (Excel row = index + 2)."""
    sheets = pd.read_excel(book, sheet_name=None, dtype=str, keep_default_na=False)
    sheets[sheet].loc[index, column] = value
    with pd.ExcelWriter(book, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)


def test_workbook_control_validates(park: Path) -> None:
    make_workbook(park)
    result = CliRunner().invoke(main, ["validate", str(park)])
    assert result.exit_code == 0, result.output


def test_workbook_bad_cell(park: Path, check) -> None:
    book = make_workbook(park)
    set_sheet_cell(book, "streams", 1, "quantity", "abc")
    check(park, "park.xlsx", "sheet streams", "row 3", "column quantity", "abc")


def test_workbook_unknown_firm(park: Path, check) -> None:
    book = make_workbook(park)
    set_sheet_cell(book, "streams", 4, "firm_id", "ZZ")
    check(park, "park.xlsx", "sheet streams", "row 6", "column firm_id", "ZZ")


# --- 17, 18: scenario rules and settings out of range ----------------------------------------


def test_scale_rule_unknown_resource(park: Path, check) -> None:
    path = write_scenario(park, "scale: [{resource: nope, factor: 2}]\n")
    check(path, "bad.yaml", "key scale[0].resource", "nope")


def test_negative_min_approach(park: Path, check) -> None:
    replace_text(park / "model.yaml", "min_approach_c: 10", "min_approach_c: -5")
    check(park, "model.yaml", "key heat.min_approach_c")


def test_negative_carbon_price_in_model(park: Path, check) -> None:
    replace_text(park / "model.yaml", "carbon_price: 0", "carbon_price: -5")
    check(park, "model.yaml", "key economics.carbon_price")


def test_negative_carbon_price_in_scenario_set(park: Path, check) -> None:
    path = write_scenario(park, "set: {economics.carbon_price: -5}\n")
    check(path, "bad.yaml", "key set.economics.carbon_price")


# --- 19: heat streams --------------------------------------------------------------------------


def add_heat_supply(park: Path, t_in: str = "90", t_out: str = "60",
                    direction: str = "supply") -> int:
    """Add a heat resource and one heat stream (with t_in, t_out columns); return its line."""
    append_row(park, "resources.csv", resource="heat", category="heat", unit="kW", mode="pipe",
               purchase_price="0.05", purchase_co2="0.0002")
    add_column(park, "streams.csv", "t_in")
    add_column(park, "streams.csv", "t_out")
    return append_row(park, "streams.csv", stream_id="S_A_heat", firm_id="A",
                      direction=direction, resource="heat", quantity="500", t_in=t_in,
                      t_out=t_out)


def test_heat_stream_validates(park: Path, tmp_path: Path) -> None:
    add_heat_supply(park)
    result = CliRunner().invoke(main, ["validate", str(park)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


@pytest.mark.solver
def test_heat_stream_with_good_temperatures_runs(park: Path, tmp_path: Path) -> None:
    add_heat_supply(park)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(park), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "kpis.json").exists()


@pytest.mark.parametrize("t_in, t_out, direction, column", [
    ("", "60", "supply", "t_in"),
    ("90", "", "supply", "t_out"),
    ("60", "90", "supply", "t_out"),
    ("90", "60", "demand", "t_out"),
], ids=["missing-t_in", "missing-t_out", "supply-heats-up",
        "demand-cools-down"])
def test_heat_stream_bad_temperatures(park: Path, check, t_in: str, t_out: str,
                                      direction: str, column: str) -> None:
    line = add_heat_supply(park, t_in, t_out, direction)
    check(park, "streams.csv", f"line {line}", f"column {column}")


# --- end to end: the real console script, and --debug ------------------------------------------


def console_script() -> str:
    script = Path(sys.executable).parent / "symbiosis"
    found = str(script) if script.exists() else shutil.which("symbiosis")
    if found is None:
        pytest.skip("the symbiosis console script is not installed")
    return found


@pytest.mark.parametrize("command", ["validate", "run"])
def test_console_script_exit_code_and_no_traceback(park: Path, tmp_path: Path,
                                                   command: str) -> None:
    set_cell(park, "streams.csv", 3, "firm_id", "ZZ")
    out = tmp_path / "out"
    args = [console_script(), command, str(park)] + (["-o", str(out)] if command == "run" else [])
    proc = subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    shown = f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    assert proc.returncode == 2, shown
    assert "Traceback" not in proc.stdout and "Traceback" not in proc.stderr, shown
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, shown
    assert "streams.csv" in lines[0] and "line 3" in lines[0] and "firm_id" in lines[0], shown
    assert not out.exists()
    assert not (tmp_path / "results").exists()


def test_debug_shows_traceback(park: Path, tmp_path: Path) -> None:
    set_cell(park, "streams.csv", 3, "firm_id", "ZZ")
    proc = subprocess.run([console_script(), "validate", "--debug", str(park)],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    shown = f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    assert proc.returncode != 0, shown
    assert "Traceback" in proc.stderr, shown
    assert "InputError" in proc.stderr and "streams.csv" in proc.stderr, shown


# --- found in review: ids, empty parks, stray columns, conflicting overrides ------------------


def test_stream_id_with_a_link_separator(park: Path, check) -> None:
    set_cell(park, "streams.csv", 2, "stream_id", "S->A")
    check(park, "streams.csv", "line 2", "column stream_id", "may not contain")


def test_no_streams_left(park: Path, check) -> None:
    check(write_scenario(park, "exclude_firms: [A, B, C, W]\n"), "streams.csv", "no streams")


def test_trailing_comma_on_data_rows_only(park: Path, check) -> None:
    path = park / "streams.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0]] + [line + ",x" for line in lines[1:]]) + "\n")
    check(park, "streams.csv", "cannot read CSV")


def test_values_in_a_column_without_header(park: Path, check) -> None:
    path = park / "streams.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0] + ","] + [lines[1] + ",5"] + [l + "," for l in lines[2:]])
                    + "\n")
    check(park, "streams.csv", "column 8 has values but no header")


def test_set_of_a_key_and_its_section(park: Path, check) -> None:
    scenario = write_scenario(park, "set:\n  links.truck.capex_per_km: 3\n"
                                    "  links.truck: {fixed_cost: 1}\n")
    check(scenario, "bad.yaml", "key set.links.truck.capex_per_km", "conflicts with set.links.truck")


def test_boolean_is_not_a_number(park: Path, check) -> None:
    check(write_scenario(park, "set: {economics.carbon_price: true}\n"),
          "bad.yaml", "key set.economics.carbon_price")


def test_exchange_from_heat_to_a_material(park: Path, check) -> None:
    """Fuel (material → heat) is allowed; heat → material is not: heat has no conversion."""
    append_row(park, "resources.csv", resource="heat", category="heat", unit="MWh", mode="pipe")
    append_row(park, "exchanges.csv", from_resource="dross", to_resource="heat", **{"yield": "3"})
    line = append_row(park, "exchanges.csv", from_resource="heat", to_resource="dross",
                      **{"yield": "1"})
    check(park, "exchanges.csv", f"line {line}", "column to_resource",
          "heat has no conversion to a material")


def test_heat_exchange_yield_above_one(park: Path, check) -> None:
    append_row(park, "resources.csv", resource="heat", category="heat", unit="MWh", mode="pipe")
    append_row(park, "resources.csv", resource="steam", category="heat", unit="MWh", mode="pipe")
    line = append_row(park, "exchanges.csv", from_resource="heat", to_resource="steam",
                      **{"yield": "2.5"})
    check(park, "exchanges.csv", f"line {line}", "column yield",
          "heat cannot be created by an exchange", "heat_pumps")


def test_heat_pumps_need_a_known_heat_unit(park: Path, check) -> None:
    add_heat_supply(park)
    replace_text(park / "resources.csv", "heat,heat,kW", "heat,heat,therms")
    with (park / "model.yaml").open("a") as f:
        f.write("heat_pumps: {electricity_price: 100}\n")
    check(park, "resources.csv", "column unit", "heat pumps need")


def test_set_reaches_an_optional_section(park: Path) -> None:
    with (park / "model.yaml").open("a") as f:
        f.write("heat_pumps: {electricity_price: 100}\n")
    scenario = write_scenario(park, "set: {heat_pumps.electricity_price: 80}\n")
    assert CliRunner().invoke(main, ["validate", str(scenario)]).exit_code == 0


# --- issue 11: numbers that are no numbers, machine limits, outputs read back ------------------


@pytest.mark.parametrize("body, key", [
    ("set: {economics.lifetime_years: 1.0e-300}", "key set.economics.lifetime_years"),
    ("set: {links.max_distance_km: .inf}", "key set.links.max_distance_km"),
    ("set: {heat.min_approach_c: .inf}", "key set.heat.min_approach_c"),
    ("set: {economics.carbon_price: .inf}", "key set.economics.carbon_price"),
    ("scale: [{resource: water, factor: .inf}]", "key scale[0].factor"),
    ("adjust: [{column: purchase_price, value: .inf}]", "key adjust[0].value"),
    ("adjust: [{column: purchase_price, factor: 1.0e+20}]", "key adjust[0].factor"),
    ("adjust: [{column: transport_cost, value: -5.0}]", "key adjust[0].value"),
    ("adjust: [{column: transport_cost, factor: -1.0}]", "key adjust[0].factor"),
    ("solver: {time_limit: .nan}", "key solver.time_limit"),
    ("solver: {mip_gap: .inf}", "key solver.mip_gap"),
    ("solver: {threads: 1.0e+30}", "key solver.threads"),
], ids=lambda v: v if v.startswith("key") else None)
def test_numbers_out_of_reach_in_a_scenario(park: Path, check, body: str, key: str) -> None:
    check(write_scenario(park, body + "\n"), "bad.yaml", key)


def test_a_lifetime_below_a_year_in_model_yaml(park: Path, check) -> None:
    replace_text(park / "model.yaml", "lifetime_years: 15", "lifetime_years: 1.0e-300")
    check(park, "model.yaml", "key economics.lifetime_years", "greater than or equal to 1")


def test_a_scenario_whose_model_is_itself(park: Path, check) -> None:
    check(write_scenario(park, "model: bad.yaml\n"), "bad.yaml", "key model",
          "this scenario file itself")


@pytest.mark.parametrize("body, expected", [
    ("solver: {name: nosuchsolver}", ["key solver.name", "'nosuchsolver' is not available"]),
    ("solver: {threads: 1000000}", ["key solver.threads", "at most"]),
])
def test_solver_settings_refused_before_any_work(park: Path, tmp_path: Path, body: str,
                                                 expected: list[str]) -> None:
    scenario = write_scenario(park, body + "\n")
    assert_bad_input(["run", str(scenario), "-o", str(tmp_path / "out")], "bad.yaml",
                     *expected, out=tmp_path / "out")


@pytest.mark.parametrize("option, value, expected", [
    ("--solver", "nosuchsolver", "'nosuchsolver' is not available"),
    ("--threads", "1000000", "at most"),
])
def test_solver_options_refused_with_one_message(park: Path, tmp_path: Path, option: str,
                                                 value: str, expected: str) -> None:
    out = tmp_path / "out"
    assert_bad_input(["run", str(park), "-o", str(out), option, value], option, expected,
                     out=out)


@pytest.mark.parametrize("option, value", [("--time-limit", "nan"), ("--time-limit", "inf"),
                                           ("--gap", "inf"), ("--gap", "nan")])
def test_option_numbers_must_be_finite(park: Path, tmp_path: Path, option: str,
                                       value: str) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(park), "-o", str(out), option, value])
    assert result.exit_code == 2, result.output
    assert option in result.output and "finite" in result.output
    assert not out.exists()


@pytest.fixture(scope="module")
def solved(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("solved") / "out"
    result = CliRunner().invoke(main, ["run", str(DATA / "tiny-park"), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return out


def _edit_kpis(folder: Path, change) -> None:
    data = json.loads((folder / "kpis.json").read_text())
    change(data)
    (folder / "kpis.json").write_text(json.dumps(data))


def _edit_cell(folder: Path, file: str, column: str, value: str) -> None:
    set_cell(folder, file, 2, column, value)


@pytest.mark.parametrize("corrupt, expected", [
    (lambda f: _edit_kpis(f, lambda d: d.update(total_cost="abc")), ["kpis.json", "total_cost"]),
    (lambda f: _edit_kpis(f, lambda d: d.update(resources=[1])), ["kpis.json", "resources"]),
    (lambda f: _edit_kpis(f, lambda d: d.pop("status")), ["kpis.json", "status"]),
    (lambda f: (f / "kpis.json").write_text('{"status": "opt'), ["kpis.json", "JSON"]),
    (lambda f: _edit_cell(f, "links.csv", "flow", "abc"), ["links.csv", "line 2", "flow"]),
    (lambda f: _edit_cell(f, "firms.csv", "cost", "x"), ["firms.csv", "line 2", "cost"]),
], ids=["kpi-text", "resources-list", "no-status", "truncated", "links-flow", "firms-cost"])
@pytest.mark.parametrize("command", ["report", "compare"])
def test_an_edited_result_folder_read_back(solved: Path, tmp_path: Path, corrupt, expected,
                                           command: str) -> None:
    folder = tmp_path / "edited"
    shutil.copytree(solved, folder)
    corrupt(folder)
    if command == "compare" and expected[0] != "kpis.json":
        return  # compare reads kpis.json only
    args = ["report", str(folder), "-o", str(tmp_path / "r.html")] if command == "report" \
        else ["compare", str(folder), "--csv", str(tmp_path / "c.csv")]
    assert_bad_input(args, *expected)
    assert not (tmp_path / "r.html").exists() and not (tmp_path / "c.csv").exists()


# --- issue 11: careless and hostile input -------------------------------------------------------

import json  # noqa: E402
import os  # noqa: E402
import threading  # noqa: E402

from symbiosis import files  # noqa: E402


def invoke(args: list[str]):
    return CliRunner().invoke(main, [str(a) for a in args])


def to_semicolons(park: Path, file: str, decimal_comma: bool = True) -> None:
    """Rewrite one table as a Vietnamese-locale spreadsheet exports it: `;` and decimal commas."""
    rows = _read(park / file)
    if decimal_comma:
        rows = [[c.replace(".", ",") for c in r] for r in rows]
    with (park / file).open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, delimiter=";", lineterminator="\r\n").writerows(rows)


# 1. spreadsheet exports in a Vietnamese locale

def test_semicolon_dialect_declared_is_read(park: Path) -> None:
    import symbiosis as sb

    for name in TABLE_FILES:
        to_semicolons(park, name)
    with (park / "model.yaml").open("a", encoding="utf-8") as f:
        f.write('csv: {separator: ";", decimal: ","}\n')
    result = invoke(["validate", park])
    assert result.exit_code == 0, result.output
    loaded = sb.load_park(park)
    assert loaded.exchanges["yield"].tolist() == [0.4]
    assert loaded.resources.loc["water", "transport_co2"] == pytest.approx(1e-5)


def test_semicolon_file_without_declaration(park: Path, check) -> None:
    to_semicolons(park, "streams.csv")
    check(park, "streams.csv", "line 1", "separated by ';'",
          'csv: {separator: ";", decimal: ","}')


def test_decimal_comma_declared_but_point_given(park: Path, check) -> None:
    for name in TABLE_FILES:
        to_semicolons(park, name)
    with (park / "model.yaml").open("a", encoding="utf-8") as f:
        f.write('csv: {separator: ";", decimal: ","}\n')
    replace_text(park / "exchanges.csv", "0,4", "0.4")
    check(park, "exchanges.csv", "line 2", "column yield", "'0.4'", "has no '.'")


def test_csv_dialect_key_checked(park: Path, check) -> None:
    with (park / "model.yaml").open("a", encoding="utf-8") as f:
        f.write('csv: {separator: ",", decimal: ","}\n')
    check(park, "model.yaml", "key csv", "must differ")


# 8. real line numbers; thousands separators and decimal commas located

def test_unquoted_thousands_separator_is_located(park: Path, check) -> None:
    replace_text(park / "streams.csv", "D_B_scrap,B,demand,steel_scrap,60,",
                 "D_B_scrap,B,demand,steel_scrap,1,060,")
    check(park, "streams.csv", "line 3", "8 fields, but the header has 7",
          "thousands separator or a decimal comma")


@pytest.mark.parametrize("value, hint", [("1,060", "decimal point"), ("2,5", "decimal point"),
                                         ("1 060", "thousands separators")])
def test_quoted_thousands_or_decimal_comma_is_explained(park: Path, check, value: str,
                                                       hint: str) -> None:
    set_cell(park, "streams.csv", 3, "quantity", value)
    check(park, "streams.csv", "line 3", "column quantity", repr(value), hint)


def test_line_numbers_after_blank_lines_and_quoted_newlines(park: Path, check) -> None:
    rows = _read(park / "streams.csv")
    rows[1][0] = "S_A_scrap"
    text = "\n".join(",".join(r) for r in rows[:2]) + "\n\n\n"  # two blank lines after line 2
    rows[2][3] = "nope"
    text += ",".join(rows[2]) + "\n" + "\n".join(",".join(r) for r in rows[3:]) + "\n"
    (park / "streams.csv").write_text(text, encoding="utf-8")
    # and a firm name over two lines, before the bad row of firms.csv
    firms = _read(park / "firms.csv")
    firms[1][1] = "Stamping\nA"
    _write(park / "firms.csv", firms)
    set_cell(park, "firms.csv", 3, "x_km", "far")
    result = invoke(["validate", park])
    assert result.exit_code == 2
    assert "streams.csv, line 5, column resource: unknown resource 'nope'" in result.output
    assert "firms.csv, line 4, column x_km: expected a number, got 'far'" in result.output


# 2. encodings

@pytest.mark.parametrize("encoding", ["cp1258", "latin-1"])
def test_not_utf8_names_file_and_line(park: Path, check, encoding: str) -> None:
    text = (park / "firms.csv").read_text(encoding="utf-8")
    text = text.replace("Die caster B", "Công ty Đúc B" if encoding == "cp1258" else "Gießerei B")
    (park / "firms.csv").write_bytes(text.encode(encoding))
    check(park, "firms.csv", "line 3", "not UTF-8", "save it as UTF-8")


@pytest.mark.parametrize("bom, newline", [(True, "\n"), (False, "\r\n"), (True, "\r\n")],
                         ids=["bom", "crlf", "bom-and-crlf"])
def test_bom_and_crlf_just_work(park: Path, bom: bool, newline: str) -> None:
    for name in TABLE_FILES:
        text = (park / name).read_text(encoding="utf-8")
        (park / name).write_bytes(b"\xef\xbb\xbf" * bom + text.replace("\n", newline).encode())
    assert invoke(["validate", park]).exit_code == 0
    set_cell_bytes = (park / "streams.csv").read_bytes().replace(b"D_C_scrap,C,", b"D_C_scrap,ZZ,")
    (park / "streams.csv").write_bytes(set_cell_bytes)
    assert_bad_input(["validate", str(park)], "streams.csv, line 4, column firm_id",
                     "unknown firm 'ZZ'")


# 3. all problems at once

def test_blank_cell_does_not_hide_a_resource_typo(park: Path) -> None:
    set_cell(park, "streams.csv", 3, "quantity", "")
    set_cell(park, "streams.csv", 5, "resource", "dros")
    set_cell(park, "firms.csv", 2, "x_km", "abc")  # NaN where checks compute coordinates
    for args in (["validate", park], ["run", park, "-o", park.parent / "out"],
                 ["validate", park.parent / "scenarios" / "tiny-baseline.yaml"]):
        result = invoke(args)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output and result.exception is None or \
            isinstance(result.exception, SystemExit)
        out = result.output
        assert "streams.csv, line 3, column quantity: a value is required" in out
        assert "streams.csv, line 5, column resource: unknown resource 'dros'" in out
        assert "firms.csv, line 2, column x_km: expected a number, got 'abc'" in out
        assert out.count("firms.csv, line 2") == 1, out  # not also "has no coordinates"
    assert not (park.parent / "out").exists()


def test_unreadable_table_does_not_hide_other_tables(park: Path) -> None:
    drop_column(park, "firms.csv", "name")
    set_cell(park, "streams.csv", 5, "resource", "dros")
    result = invoke(["validate", park])
    assert result.exit_code == 2
    assert "firms.csv, column name: required column is missing" in result.output
    assert "streams.csv, line 5, column resource: unknown resource 'dros'" in result.output
    assert "unknown firm" not in result.output  # firms.csv unread: its ids are not wrong


# 4. warnings for valid but suspicious input

@pytest.mark.parametrize("change, expected", [
    (lambda p: append_row(p, "resources.csv", resource="slag", category="material", unit="t",
                          mode="truck"),
     "resources.csv, line 6, column resource: resource 'slag' is used by no stream"),
    (lambda p: set_cell(p, "streams.csv", 4, "quantity", "0"),
     "streams.csv, line 4, column quantity: demand 'D_C_scrap' has quantity 0"),
    (lambda p: (p / "exchanges.csv").write_text(
        "from_resource,to_resource,yield\n", encoding="utf-8"),
     "streams.csv, line 6, column resource: no supply can ever serve demand 'D_B_tin'"),
    (lambda p: (p / "qualities.csv").write_text(
        "stream_id,property,value\nD_A_water,cod_mg_l,50\n", encoding="utf-8"),
     "streams.csv, line 7, column stream_id: supply 'S_W_water' has no 'cod_mg_l' value"),
], ids=["unused-resource", "zero-quantity", "unreachable-demand", "unmeasured-supply"])
def test_warning(park: Path, change, expected: str) -> None:
    change(park)
    result = invoke(["validate", park])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1 and expected in warnings[0], result.output
    assert "valid" in result.stdout


@pytest.mark.solver
def test_warnings_printed_by_run_and_kept_in_kpis(park: Path, tmp_path: Path) -> None:
    set_cell(park, "streams.csv", 4, "quantity", "0")
    out = tmp_path / "out"
    result = invoke(["run", park, "-o", out])
    assert result.exit_code == 0, result.output
    assert "warning: " in result.stderr and "quantity 0" in result.stderr
    kpis = json.loads((out / "kpis.json").read_text())
    assert len(kpis["warnings"]) == 1 and "D_C_scrap" in kpis["warnings"][0]


# 5, 6. terminal escapes and control characters

def test_escape_in_a_header_is_shown_escaped(park: Path, check) -> None:
    replace_text(park / "streams.csv", "price,co2", "pri\x1b[2Jce\x07,co2")
    message = check(park, "streams.csv", "column pri\\x1b[2Jce\\x07", "unknown column")
    assert "\x1b" not in message and "\x07" not in message


@pytest.mark.parametrize("file, line, column, value", [
    ("firms.csv", 3, "name", "Die\x00caster"),
    ("streams.csv", 2, "stream_id", "S_A\x1b[2Jscrap"),
    ("streams.csv", 2, "stream_id", "S_A\tscrap"),
    ("firms.csv", 3, "sector", "die\x07casting"),
    ("resources.csv", 2, "unit", "t\x0cm"),
], ids=["nul-in-name", "esc-in-id", "tab-in-id", "bel-in-sector", "formfeed-in-unit"])
def test_control_characters_refused(park: Path, check, file: str, line: int, column: str,
                                    value: str) -> None:
    set_cell(park, file, line, column, value)
    check(park, file, f"line {line}", f"column {column}", "control character")


def test_control_character_in_yaml_name(park: Path, check) -> None:
    replace_text(park / "model.yaml", "name: tiny test park", 'name: "tiny \\e[31m park"')
    message = check(park, "model.yaml", "line 1", "control character")
    assert "\x1b" not in message


# 7. resource limits

def _unblock_later(fifo: Path) -> threading.Timer:
    """If the code under test opens the FIFO, a writer arrives after 20 s: fail, not hang."""
    def unblock() -> None:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            os.close(fd)
        except OSError:
            pass
    timer = threading.Timer(20, unblock)
    timer.start()
    return timer


@pytest.mark.parametrize("target", ["firms.csv", "model.yaml", "scenario"])
def test_named_pipe_refused(park: Path, check, target: str) -> None:
    if target == "scenario":
        path = park.parent / "scenarios" / "pipe.yaml"
        given, where = path, "pipe.yaml"
    else:
        path = park / target
        path.unlink()
        given, where = park, target
    os.mkfifo(path)
    timer = _unblock_later(path)
    try:
        check(given, where, "not a regular file", "named pipe")
    finally:
        timer.cancel()


def test_table_file_too_large(park: Path, check, monkeypatch) -> None:
    monkeypatch.setattr(files, "MAX_TABLE_BYTES", 400)
    set_cell(park, "firms.csv", 4, "name", "x" * 300)
    check(park, "firms.csv", "more than the limit of 400 bytes")


def test_line_too_long(park: Path, check, monkeypatch) -> None:
    monkeypatch.setattr(files, "MAX_LINE_CHARS", 120)
    set_cell(park, "firms.csv", 4, "name", "x" * 130)
    check(park, "firms.csv", "line 4", "line longer than the limit of 120 characters")


def test_cell_too_long(park: Path, check, monkeypatch) -> None:
    monkeypatch.setattr(files, "MAX_CELL_CHARS", 20)
    set_cell(park, "firms.csv", 4, "name", "y" * 30)
    message = check(park, "firms.csv", "line 4", "column name", "30 characters",
                    "limit of 20")
    assert "y" * 30 not in message


def test_cell_beyond_the_csv_field_limit(park: Path, check) -> None:
    """csv's own field limit (131,072) is reached before ours: the same message, located."""
    replace_text(park / "firms.csv", "Far smelter C", '"' + ("z" * 999 + "\n") * 140 + '"')
    check(park, "firms.csv", "line 4", "a cell longer than the limit")


def test_yaml_file_too_large(park: Path, check, monkeypatch) -> None:
    monkeypatch.setattr(files, "MAX_YAML_BYTES", 50)
    check(park, "model.yaml", "more than the limit of 50 bytes")


def test_workbook_zip_bomb_refused(park: Path, check, monkeypatch) -> None:
    make_workbook(park)
    monkeypatch.setattr(files, "MAX_WORKBOOK_UNPACKED_BYTES", 1000)
    check(park, "park.xlsx", "unpacks to", "more than the limit")


# 9. hostile YAML

def _bomb(levels: int = 9) -> str:
    """A 'billion laughs' document: anchors of 9 aliases each, 9**levels strings at the end."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_in_a_name(park: Path, check) -> None:
    path = park.parent / "scenarios" / "bomb.yaml"
    path.write_text("name:\n" + "".join(f"  - {line.split(': ', 1)[1]}\n"
                                        for line in _bomb().splitlines())
                    + "model: ../tiny-park\n", encoding="utf-8")
    message = check(path, "bomb.yaml", "line 7", "alias bomb")  # where 100,000 is crossed
    assert len(message) < 400


def test_alias_bomb_in_model_yaml(park: Path, check) -> None:
    with (park / "model.yaml").open("a", encoding="utf-8") as f:
        f.write("description: *a8\n")
    text = (park / "model.yaml").read_text()
    (park / "model.yaml").write_text("x-anchors:\n" + "".join(
        f"  {line}\n" for line in _bomb().splitlines()) + text)
    message = check(park, "model.yaml", "line 7", "alias bomb")
    assert len(message) < 400


def test_alias_bomb_in_sweep_values(park: Path) -> None:
    sweep = park.parent / "scenarios" / "sweep.yaml"
    sweep.write_text("name: s\nbase: tiny-baseline.yaml\nanchors:\n" + "".join(
        f"  {line}\n" for line in _bomb().splitlines())
        + "grid:\n  economics.carbon_price: *a8\n", encoding="utf-8")
    message = assert_bad_input(["sweep", str(sweep), "-o", str(park.parent / "sw")],
                               "sweep.yaml", "line 9", "alias bomb",
                               out=park.parent / "sw")
    assert len(message) < 400


def test_alias_of_a_small_value_is_fine(park: Path) -> None:
    replace_text(park / "model.yaml", "pipe: {fixed_cost: 0, capex_per_km: 1000}",
                 "pipe: *truck")
    replace_text(park / "model.yaml", "truck: {", "truck: &truck {")
    assert invoke(["validate", park]).exit_code == 0


def test_huge_integer(park: Path, check) -> None:
    replace_text(park / "model.yaml", "carbon_price: 0", "carbon_price: " + "9" * 5000)
    message = check(park, "model.yaml", "line 3", "5,000 digits")
    assert "9" * 100 not in message


def test_deeply_nested_yaml(park: Path, check) -> None:
    path = write_scenario(park, "set: {economics.carbon_price: " + "[" * 5000 + "]" * 5000
                          + "}\n")
    check(path, "bad.yaml", "line 3", "nesting deeper than 50 levels")


def test_long_value_is_quoted_short(park: Path, check) -> None:
    path = write_scenario(park, "set: {economics.carbon_price: [" + ", ".join(["1"] * 5000)
                          + "]}\n")
    message = check(path, "bad.yaml", "key set.economics.carbon_price")
    assert len(message) < 400


# 10. messages that say what is wrong

def test_missing_scenario_file(park: Path, check) -> None:
    check(park.parent / "scenarios" / "no-such.yaml", "no-such.yaml", "scenario file not found")


def test_missing_model_folder(park: Path, check) -> None:
    check(park.parent / "no-such-park", "no-such-park", "not found")


# 11. folder names made from Vietnamese names

def test_slug_transliterates_vietnamese() -> None:
    from symbiosis.batch.spec import value_label
    from symbiosis.cli import _slug

    assert _slug("Khu công nghiệp Yên Phong – Bắc Ninh") == "khu-cong-nghiep-yen-phong-bac-ninh"
    assert _slug("Đình Vũ, Hải Phòng") == "dinh-vu-hai-phong"
    assert value_label("Đồng Nai") == "Dong-Nai"


@pytest.mark.solver
def test_default_result_folder_keeps_vietnamese_letters(park: Path, tmp_path: Path,
                                                        monkeypatch) -> None:
    path = write_scenario(park, "", name="vn.yaml")
    path.write_text("name: Khu công nghiệp Yên Phong\nmodel: ../tiny-park\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert invoke(["run", path, "-q"]).exit_code == 0
    assert (tmp_path / "results" / "khu-cong-nghiep-yen-phong" / "kpis.json").exists()
