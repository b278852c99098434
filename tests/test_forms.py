"""The association's forms (docs/association.md): a template written, filled in with
openpyxl as a firm would, merged and run to the hand optimum; bad cells located; ids in two
forms refused naming both; nothing a form holds becomes a formula."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import symbiosis as sb
from symbiosis.cli import main
from symbiosis.errors import InputError
from symbiosis.forms import merge_forms, write_template
from symbiosis.forms.layout import SHEETS

NOTE = "=HYPERLINK(\"http://evil.example\",\"click\")"


def catalogue_model(root: Path) -> Path:
    """One resource, scrap: bought at 10/t, disposed of at 2/t, trucked at 0.1/t·km."""
    folder = root / "catalogue"
    folder.mkdir()
    (folder / "model.yaml").write_text("name: scrap park\ncurrency: VND\n")
    (folder / "firms.csv").write_text("firm_id,name,park,sector,x_km,y_km\nX,x,P,s,0,0\n")
    (folder / "resources.csv").write_text(
        "resource,category,unit,mode,transport_cost,purchase_price,disposal_cost,note\n"
        f"scrap,material,t,truck,0.1,10,2,\"{NOTE.replace(chr(34), chr(34) * 2)}\"\n"
        "water,water,m3,pipe,0,1,0,\n")
    (folder / "streams.csv").write_text("stream_id,firm_id,direction,resource,quantity\n"
                                        "X1,X,supply,scrap,1\n")
    return folder


def fill(template: Path, out: Path, firm: list, streams: list[list], qualities=()) -> Path:
    """A firm's returned form: row 2 of Firm, rows 2… of Streams and Qualities."""
    book = load_workbook(template)
    for sheet, rows in (("Firm", [firm]), ("Streams", streams), ("Qualities", qualities)):
        for i, row in enumerate(rows, start=2):
            for j, value in enumerate(row, start=1):
                book[sheet].cell(i, j, value)
    book.save(out)
    return out


FIRM_A = ["A", "Alpha Co", "P", "metal", None, None, 0, 0, "07 01 01; 19 02 05"]
FIRM_B = ["B", "Beta Co", "P", "metal", None, None, 10, 0]


@pytest.fixture
def forms(tmp_path) -> tuple[Path, Path, Path, Path]:
    model = catalogue_model(tmp_path)
    template = write_template(tmp_path / "form.xlsx", model)
    a = fill(template, tmp_path / "alpha.xlsx", FIRM_A,
             [["A_s", "supply", "scrap", 100, "t"]], [["A_s", "fe_pct", 2]])
    b = fill(template, tmp_path / "beta.xlsx", FIRM_B,
             [["B_d", "demand", "scrap", 60, "t", None, None, None, None, "for casting"]],
             [["B_d", "fe_pct", 5]])
    return model, template, a, b


def test_template_has_lists_instructions_and_no_formula(forms):
    model, template, _, _ = forms
    book = load_workbook(template)
    assert book.sheetnames == list(SHEETS)
    rules = {str(r.sqref): r.formula1 for r in book["Streams"].data_validations.dataValidation}
    assert rules == {"B2:B201": "Lists!$A$2:$A$3", "C2:C201": "Catalogue!$A$2:$A$3",
                     "E2:E201": "Lists!$B$2:$B$3"}
    assert [c.value for c in book["Catalogue"]["A"]][1:] == ["scrap", "water"]
    assert [c.value for c in book["Lists"]["B"]][1:] == ["m3", "t"]
    text = " ".join(str(c.value) for c in book["Instructions"]["B"])
    assert "Trang Streams" in text and "công thức" in text  # Vietnamese
    header = [c.value for c in book["Catalogue"][1]]
    note = book["Catalogue"].cell(2, header.index("note") + 1)
    assert note.value == NOTE and note.data_type == "s" and note.quotePrefix
    with zipfile.ZipFile(template) as z:  # stored as text, never as a formula element
        assert not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in z.namelist()
                       if n.startswith("xl/worksheets/"))
    assert write_template(template, model).read_bytes() == template.read_bytes()


def test_round_trip_runs_to_the_hand_optimum(forms, tmp_path):
    """60 t of A's scrap to B, 10 km: B stops buying (600), A stops disposing (120), the
    truck costs 60 · 10 · 0.1 = 60: savings 660."""
    model, _, a, b = forms
    out, counts = merge_forms([a, b], tmp_path / "park", model)
    assert counts == {"firms": 2, "streams": 2, "qualities": 2}
    assert (out / "model.yaml").read_bytes() == (model / "model.yaml").read_bytes()
    assert (out / "resources.csv").read_bytes() == (model / "resources.csv").read_bytes()
    prov = pd.read_csv(out / "provenance.csv", dtype=str)
    assert prov.values.tolist() == [["firms", "A", "alpha.xlsx", "Firm", "2"],
                                    ["firms", "B", "beta.xlsx", "Firm", "2"],
                                    ["streams", "A_s", "alpha.xlsx", "Streams", "2"],
                                    ["streams", "B_d", "beta.xlsx", "Streams", "2"],
                                    ["qualities", "A_s:fe_pct", "alpha.xlsx", "Qualities", "2"],
                                    ["qualities", "B_d:fe_pct", "beta.xlsx", "Qualities", "2"]]
    firms = pd.read_csv(out / "firms.csv", dtype=str, keep_default_na=False)
    assert firms.licences.tolist() == ["07 01 01;19 02 05", ""]  # docs/format.md, carried
    r = sb.run(out)
    assert r.kpis["savings"] == pytest.approx(660.0)
    assert r.kpis["links_built"] == 1 and r.links.flow.iloc[0] == pytest.approx(60.0)
    assert r.kpis["currency"] == "VND"


def test_merge_without_a_model_takes_the_forms_catalogue(forms, tmp_path):
    _, template, _, _ = forms
    a = fill(template, tmp_path / "a2.xlsx", FIRM_A[:8], [["A_s", "supply", "scrap", 100]])
    b = fill(template, tmp_path / "b2.xlsx", FIRM_B, [["B_d", "demand", "scrap", 60, "t"]])
    out, _ = merge_forms([a, b], tmp_path / "park2", name="Yen Phong: forms")
    assert "licences" not in pd.read_csv(out / "firms.csv").columns
    r = sb.run(out)
    assert r.kpis["savings"] == pytest.approx(660.0)
    assert (r.kpis["model"], r.kpis["currency"]) == ("Yen Phong: forms", "VND")


def test_an_id_in_two_forms_is_refused_naming_both(forms, tmp_path):
    model, template, a, _ = forms
    twin = fill(template, tmp_path / "gamma.xlsx", ["A", "Gamma", "P", "s", None, None, 5, 0],
                [["A_s", "demand", "scrap", 5, "t"]])
    with pytest.raises(InputError) as err:
        merge_forms([a, twin], tmp_path / "park", model)
    text = str(err.value)
    assert ("gamma.xlsx, sheet Firm, row 2, column firm_id: firm id 'A' is also in alpha.xlsx"
            in text)
    assert "gamma.xlsx, sheet Streams, row 2, column stream_id: stream id 'A_s' is also in " \
           "alpha.xlsx" in text
    assert not (tmp_path / "park").exists()


@pytest.mark.parametrize("row, expected", [
    (["B_d", "demand", "scrap", "lots", "t"], "row 2, column quantity: expected a number"),
    (["B_d", "demand", "steel", 5, "t"], "row 2, column resource: unknown resource 'steel'"),
    (["B_d", "demand", "scrap", 5, "m3"], "row 2, column unit: unit 'm3': scrap is measured"),
    (["B_d", "take", "scrap", 5, "t"], "row 2, column direction"),
    (["B_d", "demand", "scrap", "=2*30", "t"], "row 2, column D: holds a formula"),
    (["B_d", "demand", "scrap", 5, "t", None, None, None, None, "@SUM(A1)"],
     "row 2, column note: starts like a spreadsheet formula"),
])
def test_a_bad_cell_is_located(forms, tmp_path, row, expected):
    model, template, a, _ = forms
    bad = fill(template, tmp_path / "bad.xlsx", FIRM_B, [row])
    with pytest.raises(InputError) as err:
        merge_forms([a, bad], tmp_path / "park", model)
    assert f"bad.xlsx, sheet Streams, {expected}" in str(err.value)


def test_cli_template_and_merge(forms, tmp_path):
    model, _, a, b = forms
    runner = CliRunner()
    made = runner.invoke(main, ["template", "-o", str(tmp_path / "t.xlsx"), "--model",
                                str(model)])
    assert made.exit_code == 0 and "wrote" in made.output
    done = runner.invoke(main, ["merge", str(a), str(b), "-o", str(tmp_path / "m"),
                                "--model", str(model)])
    assert done.exit_code == 0, done.output
    assert "2 firms, 2 streams, 2 qualities" in done.output
    again = runner.invoke(main, ["merge", str(a), str(a), "-o", str(tmp_path / "m2")])
    assert again.exit_code == 2 and "alpha.xlsx: given twice" in again.output
    user = tmp_path / "notes.xlsx"
    user.write_bytes(b"mine")
    refused = runner.invoke(main, ["template", "-o", str(user)])
    assert refused.exit_code == 2 and user.read_bytes() == b"mine"
