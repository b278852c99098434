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
