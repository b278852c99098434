"""`symbiosis time` and `symbiosis run` on models with time tables (docs/format.md, "Time")."""
from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from symbiosis.cli import main

from .conftest import DATA


def _invoke(*args):
    return CliRunner().invoke(main, list(args))


def _files(folder):
    """Every file's bytes, kpis.json without its timings."""
    out = {}
    for p in sorted(folder.iterdir()):
        data = p.read_bytes()
        if p.name == "kpis.json":
            k = json.loads(data)
            k.pop("timings_s", None)
            data = json.dumps(k, sort_keys=True).encode()
        out[p.name] = data
    return out


def test_one_period_runs_byte_identical_to_no_periods(tmp_path):
    plain = tmp_path / "plain"
    shutil.copytree(DATA / "tiny-park", plain)
    one = tmp_path / "one"
    shutil.copytree(DATA / "tiny-park", one)
    (one / "periods.csv").write_text("period,weight\nyear,1\n", encoding="utf-8")
    (one / "stream_periods.csv").write_text("stream_id,period,quantity\nS_A_scrap,year,100\n",
                                            encoding="utf-8")
    a = _invoke("run", str(plain), "-o", str(tmp_path / "a"), "-q")
    b = _invoke("run", str(one), "-o", str(tmp_path / "b"), "-q")
    assert a.exit_code == 0 and b.exit_code == 0, (a.output, b.output)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_run_refuses_two_periods_and_time_solves_them(tmp_path):
    model = tmp_path / "m"
    shutil.copytree(DATA / "tiny-park", model)
    (model / "periods.csv").write_text("period,weight\nwet,0.5\ndry,0.5\n", encoding="utf-8")
    refused = _invoke("run", str(model), "-o", str(tmp_path / "r"))
    assert refused.exit_code == 2 and "symbiosis time" in refused.output
    assert not (tmp_path / "r").exists()
    out = tmp_path / "t"
    done = _invoke("time", str(model), "-o", str(out))
    assert done.exit_code == 0, done.output
    assert {"kpis.json", "states.csv", "links.csv", "link_flows.csv"} <= \
        {p.name for p in out.iterdir()}
    plain = _invoke("run", str(DATA / "tiny-park"), "-o", str(tmp_path / "p"), "-q")
    assert plain.exit_code == 0
    one_year = json.loads((tmp_path / "p" / "kpis.json").read_text())
    k = json.loads((out / "kpis.json").read_text())
    # spread evenly over two periods, the year is the one-year model
    assert abs(k["total_cost"] - one_year["total_cost"]) <= 1e-6 * abs(one_year["total_cost"])


def test_bad_period_table_names_file_row_and_column(tmp_path):
    model = tmp_path / "m"
    shutil.copytree(DATA / "tiny-park", model)
    (model / "periods.csv").write_text("period,weight\nwet,0.5\ndry,abc\n", encoding="utf-8")
    r = _invoke("time", str(model), "-o", str(tmp_path / "t"))
    assert r.exit_code == 2
    assert "periods.csv" in r.output and "line 3" in r.output and "weight" in r.output
    assert "Traceback" not in r.output
