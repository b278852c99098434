"""The planner's report: a self-contained HTML page, PNG figures, GeoJSON and Excel exports,
all read from a result folder (or a sweep folder), never from the model.

Modules: `folder` reads the files into tables, `figures` builds plotly figures, `page` the
HTML, `static` the matplotlib PNGs, `exports` GeoJSON and Excel;
every file is written whole by `symbiosis.outputs.write_file`.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import InputError, Problem
from .folder import ResultTables, SweepTables, read_folder


def default_page_path(folder: Path) -> Path:
    """Beside the folder, not inside it: a result folder must hold result files only, or the
    next `symbiosis run -o` into it would be refused."""
    folder = Path(folder).resolve()
    return folder.with_name(f"{folder.name}-report.html")


def _check_outside(folder: Path, target: Path, what: str) -> None:
    folder, target = Path(folder).resolve(), Path(target).resolve()
    if target == folder or folder in target.parents:
        raise InputError(Problem(str(target), f"{what} may not be written inside the result "
                                 "folder (later runs would refuse to replace it): choose "
                                 "another path"))


def _is_png(path: Path) -> bool:
    return path.is_file() and path.suffix == ".png"


def _own_page(folder: Path, out: str | Path | None) -> Path:
    """The page path of a folder with a page of its own (pareto, time), checked."""
    from ..outputs import check_file, is_report_page
    out = Path(out) if out is not None else default_page_path(folder)
    _check_outside(folder, out, "the page")
    return check_file(out, is_report_page, "-o", "report page")


def make_report(folder: str | Path, out: str | Path | None = None,
                png_dir: str | Path | None = None, geojson: str | Path | None = None,
                xlsx: str | Path | None = None, firm: str | None = None,
                anonymise: bool = False) -> list[str]:
    """Write the page and any exports asked for; return one line per file written.

    Every check (readable folder, GeoJSON possible) comes before anything is written.
    `firm`: one firm's printable page instead of the park's (report/firms.py);
    `anonymise`: firm names replaced by pseudonyms everywhere (report/anonymise.py).
    """
    from ..outputs import (check_file, check_folder, is_geojson, is_report_page, is_workbook,
                           write_folder)
    from .exports import write_geojson, write_workbook
    from .page import write_page
    from .static import write_pngs

    from .analyses import (is_pareto_folder, read_pareto_folder, resilience_section,
                           write_pareto_page)

    from .time_page import is_time_folder, read_time_folder, write_time_page

    folder = Path(folder)
    exports = png_dir or geojson or xlsx
    if is_pareto_folder(folder):  # a front: its own page, no exports (they are per point)
        front = read_pareto_folder(folder)
        if exports or firm is not None or anonymise:
            raise InputError(Problem(str(folder), "is a pareto folder: --png, --geojson, "
                                     "--xlsx, --firm and --anonymise are for one of its points "
                                     "(DIR/<point>)"))
        return [f"wrote {write_pareto_page(front, _own_page(folder, out))}"]
    if is_time_folder(folder):  # a time study: its own page (docs/format.md, "Time")
        if exports or firm is not None or anonymise:
            raise InputError(Problem(str(folder), "is a time folder: --png, --geojson, --xlsx, "
                                     "--firm and --anonymise are not written for it"))
        return [f"wrote {write_time_page(read_time_folder(folder), _own_page(folder, out))}"]
    tables = read_folder(folder)
    if (firm is not None or anonymise) and isinstance(tables, SweepTables):
        raise InputError(Problem(str(folder), "is a sweep folder: --firm and --anonymise "
                                 "are for one result folder (give one of its variants)"))
    if anonymise:
        from .anonymise import anonymise as hide_names
        tables = hide_names(tables)
    if firm is not None:
        return _firm_report(tables, folder, firm, out, (png_dir, geojson, xlsx))
    out = Path(out) if out is not None else default_page_path(folder)
    targets = [(out, "the page")] + [(p, w) for p, w in ((png_dir, "PNGs"), (geojson, "GeoJSON"),
                                                         (xlsx, "the workbook")) if p]
    for path, what in targets:
        _check_outside(folder, path, what)
    # never replace what symbiosis did not write (docs/format.md, "What the commands write")
    out = check_file(out, is_report_page, "-o", "report page")
    if png_dir is not None:
        png_dir = check_folder(png_dir, "figures", "--png", allowed=_is_png)
    if geojson is not None:
        geojson = check_file(geojson, is_geojson, "--geojson", "GeoJSON file")
    if xlsx is not None:
        xlsx = check_file(xlsx, is_workbook, "--xlsx", "workbook")
    if geojson is not None:
        if isinstance(tables, SweepTables):
            raise InputError(Problem(str(folder), "is a sweep folder: GeoJSON is written for "
                                     "one result folder (give one of its variants)"))
        if tables.coordinates != "geographic":
            raise InputError(Problem(str(folder / "network.graphml"),
                                     "firms have planar x_km, y_km, not lat, lon: GeoJSON "
                                     "needs geographic coordinates"))
    from .firms import esg_section
    sections = () if isinstance(tables, SweepTables) else (resilience_section(tables),
                                                           esg_section(tables))
    lines = [f"wrote {write_page(tables, out, sections)}"]
    if png_dir is not None:
        drawn: list[Path] = []
        write_folder(png_dir, "figures", lambda tmp: drawn.extend(write_pngs(tables, tmp)))
        lines += [f"drew {png_dir / p.name}" for p in drawn]
    if geojson is not None:
        lines.append(f"wrote {write_geojson(tables, geojson)}")
    if xlsx is not None:
        lines.append(f"wrote {write_workbook(tables, xlsx)}")
    return lines


def _firm_report(tables: ResultTables, folder: Path, firm: str, out: str | Path | None,
                 exports: tuple) -> list[str]:
    """`--firm`: the firm's page alone (exports are the park's: refused beside it)."""
    from ..outputs import check_file, is_report_page
    from ..text import slug
    from .firms import require_firm, write_firm_page

    if any(e is not None for e in exports):
        raise InputError(Problem("--firm", "writes one firm's page only: make --png, "
                                 "--geojson and --xlsx in a report of the whole park"))
    require_firm(tables, folder, firm)
    folder_path = Path(folder).resolve()
    name = slug(firm, default="firm")
    out = Path(out) if out is not None else folder_path.with_name(
        f"{folder_path.name}-{name}.html")
    _check_outside(folder, out, "the page")
    out = check_file(out, is_report_page, "-o", "report page")
    return [f"wrote {write_firm_page(tables, Path(folder), firm, out)}"]


__all__ = ["ResultTables", "SweepTables", "default_page_path", "make_report", "read_folder"]
