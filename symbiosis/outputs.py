"""Everything the commands write goes through here: may I write there, the marker, the swap.

One rule for every command that writes (docs/format.md, "What the commands write"): never
replace or write into what symbiosis did not write itself. A folder symbiosis writes carries a
marker file, `.symbiosis-output`, naming its kind (`result`, `sweep`, `figures`,
`generated-model`); a file it writes (a report page, a GeoJSON, a workbook, a compare table)
is recognised by its content. Anything else is refused with exit 2, *before* any work.

Folders are written into a hidden temporary folder beside the target and swapped in whole
(Linux: one atomic renameat2(RENAME_EXCHANGE); elsewhere two renames, recovered by the next
run); files into a temporary file and renamed. Temporary names carry the writer's process id,
so the next run removes what a killed one left behind, and puts back an earlier result a crash
left hidden. A write the system refuses (full disk, read-only, quota) is an `OutputError`
(exit 2) that says whether the earlier output is kept (it always is).
"""
from __future__ import annotations

import ctypes
import errno
import json
import os
import re
import secrets
import shutil
import zipfile
from pathlib import Path
from typing import Callable, Iterable

from .errors import InputError, Problem

MARKER = ".symbiosis-output"
KINDS = ("result", "sweep", "figures", "generated-model", "pareto", "resilience",
         "merged-model", "time")
NAME_MAX = 255  # bytes in one path component, on every file system we know
TEMP_SUFFIX_MAX = len(".tmp-4194304-") + 8 + 1  # what a temporary name adds to a name
# `.old-<pid>` without the random part: what versions before this module left aside
TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<what>tmp|old)-(?P<pid>\d+)(?:-[0-9a-f]{8})?$")
# Text cells starting with one of these are read as formulas by spreadsheets (OWASP, "CSV
# injection"); such cells get a leading single quote. A cell starting with a quote gets one
# more, so that reading back (`unescape_cell`) is exact.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


class OutputError(InputError):
    """An output location symbiosis may not or cannot write (exit code 2)."""


# --- may I write here? -----------------------------------------------------------------------


def marker_kind(folder: Path) -> str | None:
    """The kind named by a folder's marker file, or None when it has none."""
    try:
        return (folder / MARKER).read_text(encoding="utf-8").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def _check_location(target: Path, option: str) -> Path:
    """Checks every output shares: names not too long, no file on the way, not a mount point,
    not the working folder or above it, the nearest existing folder writable."""
    target = Path(os.path.abspath(target))
    for part in target.parts[1:]:
        if len(part.encode("utf-8", "surrogateescape")) > NAME_MAX - TEMP_SUFFIX_MAX:
            raise OutputError(Problem(option, f"the name {part[:40]}... is "
                                      f"{len(part)} characters long; at most "
                                      f"{NAME_MAX - TEMP_SUFFIX_MAX} are allowed: choose a "
                                      "shorter name"))
    if os.path.ismount(target):
        raise OutputError(Problem(option, f"{target} is a mount point: symbiosis replaces what "
                                          "it writes as a whole; give a folder inside it"))
    try:
        cwd = Path.cwd().resolve()
    except OSError:  # the working folder was removed: nothing to protect there
        cwd = None
    resolved = target.resolve()
    if cwd is not None and (resolved == cwd or resolved in cwd.parents):
        raise OutputError(Problem(option, f"{target} is the working folder or holds it: "
                                          "choose another path"))
    ancestor = target.parent
    while not ancestor.exists():
        if ancestor.is_symlink():  # a dangling link on the way
            break
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputError(Problem(option, f"{ancestor} is a file, not a folder: {target} "
                                          "cannot be made under it"))
    probe = ancestor / f".{target.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        probe.mkdir()
        probe.rmdir()
    except OSError as exc:
        raise OutputError(Problem(option, f"cannot write in {ancestor}: "
                                          f"{exc.strerror or exc}")) from None
    return target


def check_folder(out: str | Path, kind: str, option: str = "-o",
                 allowed: Callable[[Path], bool] | None = None,
                 legacy: Callable[[Path], bool] | None = None) -> Path:
    """Refuse, before any work, a folder `kind` may not be written into or replace.

    A folder may be new, empty, or one symbiosis wrote with the same kind whose entries all
    pass `allowed` (what that kind writes). A folder written before markers existed is
    accepted when `legacy` recognises it (a result folder: `legacy_result`).
    """
    out = _check_location(Path(out), option)
    recover(out)
    if not out.exists():
        return out
    if not out.is_dir():
        raise OutputError(Problem(option, f"{out} exists and is not a folder: choose another "
                                          "path"))
    entries = [p for p in out.iterdir() if p.name != MARKER]
    found = marker_kind(out)
    if not entries and found in (None, kind):
        return out
    if found is not None and found != kind:
        raise OutputError(Problem(option, f"{out} is a {found} folder written by symbiosis, "
                                          f"not a {kind} folder: choose another path"))
    if found is None and not (legacy is not None and legacy(out)):
        shown = ", ".join(sorted(p.name for p in entries)[:5])
        more = ", ..." if len(entries) > 5 else ""
        raise OutputError(Problem(option, f"{out} exists and is not a {kind} folder (it holds "
                                          f"{shown}{more}): symbiosis writes only into folders "
                                          f"it made (marked by {MARKER}); choose another path"))
    foreign = sorted(p.name for p in entries if allowed is not None and not allowed(p))
    if foreign:
        shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        raise OutputError(Problem(option, f"{out} holds files symbiosis did not write ({shown})"
                                          f"; they would be lost: move them or choose "
                                          "another path"))
    return out


# The files of a result folder (docs/format.md, "A result folder"): one list for the writer
# (results.write_folder) and for recognising a folder written before markers existed.
RESULT_FILES = ("kpis.json", "links.csv", "firms.csv", "network.graphml", "resources.csv",
                "streams.csv", "objective.csv", "rejected_pairs.csv", "heat_transfers.csv",
                "heat_pumps.csv", "why_not.csv", "firms_esg.csv")
# written by some commands only: a sweep's variants, `symbiosis share`, `resilience`, `place`
EXTRA_RESULT_FILES = ("scenario.yaml", "shares.csv", "resilience.csv", "robust_links.csv",
                      "robust_resilience.csv", "facilities.csv", "placement.csv",
                      "placement_compare.csv", "placement.svg")


def legacy_result(folder: Path) -> bool:
    """A result folder from before the marker: kpis.json parses as an object with a status,
    and every entry is a result file."""
    names = set(RESULT_FILES) | set(EXTRA_RESULT_FILES)
    try:
        kpis = json.loads((folder / "kpis.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(kpis, dict) and "status" in kpis and all(
        p.is_file() and p.name in names for p in folder.iterdir())


def check_file(path: str | Path, ours: Callable[[Path], bool], option: str,
               what: str = "file") -> Path:
    """Refuse, before any work, a file target that is a folder, or an existing file that
    `ours` does not recognise as one symbiosis wrote."""
    path = _check_location(Path(path), option)
    clean_leftovers(path)
    if path.is_dir():
        raise OutputError(Problem(option, f"{path} is a folder: give the {what}'s file name"))
    if path.exists() and not ours(path):
        raise OutputError(Problem(option, f"{path} exists and is not a {what} written by "
                                          "symbiosis: it would be lost; choose another path"))
    return path


# --- content signatures of the files symbiosis writes -----------------------------------------


def is_report_page(path: Path) -> bool:
    try:
        return b"<p class='note'>Made by symbiosis " in path.read_bytes()
    except OSError:
        return False


def is_geojson(path: Path) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return False
    return isinstance(data, dict) and data.get("type") == "FeatureCollection" and all(
        isinstance(f, dict) and (f.get("properties") or {}).get("kind") in ("firm", "link")
        for f in data.get("features", []))


# A report workbook's sheets: a result's tables by their file names, the KPIs, the resource
# table, or a sweep's summary (report/exports.workbook_sheets); derived from the file lists so
# a new result table cannot make its own workbook unrecognisable.
WORKBOOK_SHEETS = ({"kpis", "resources", "summary"}
                   | {Path(name).stem for name in RESULT_FILES + EXTRA_RESULT_FILES
                      if name.endswith(".csv")})
XLSX_TIME = (2000, 1, 1, 0, 0, 0)  # the time inside every workbook symbiosis writes


def sheet_names(path: Path) -> list[str]:
    """The sheet names of an .xlsx file, in order ([] when it is not one)."""
    try:
        with zipfile.ZipFile(path) as z:
            book = z.read("xl/workbook.xml").decode("utf-8")
    except (OSError, KeyError, zipfile.BadZipFile, UnicodeDecodeError):
        return []
    return re.findall(r'<(?:\w+:)?sheet [^>]*name="([^"]+)"', book)


def is_workbook(path: Path) -> bool:
    sheets = sheet_names(path)
    return bool(sheets) and sheets[0] in ("kpis", "summary") and set(sheets) <= WORKBOOK_SHEETS


def xlsx_bytes(book) -> bytes:
    """An openpyxl workbook as bytes, the same for the same content: fixed times inside and
    on every zip entry, fixed order (openpyxl's save stamps the time of day)."""
    import datetime
    import io

    from openpyxl.writer.excel import ExcelWriter

    book.properties.created = book.properties.modified = datetime.datetime(*XLSX_TIME)
    book.properties.creator = "symbiosis"
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=XLSX_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, source.read(entry.filename))
    return out.getvalue()


PNG_SOFTWARE = "symbiosis"  # the Software text of a chart PNG symbiosis draws


def is_chart(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    return head.startswith(b"\x89PNG") and b"Software\x00" + PNG_SOFTWARE.encode() in head


def is_compare_table(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as f:
            head = f.readline()
    except (OSError, UnicodeDecodeError):
        return False
    return head.startswith("scenario,status")


# --- temporary names, leftovers, recovery ------------------------------------------------------


def _temp_name(target: Path, what: str = "tmp") -> Path:
    return target.with_name(f".{target.name}.{what}-{os.getpid()}-{secrets.token_hex(4)}")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _leftovers(target: Path) -> list[tuple[Path, str]]:
    """Temporary entries of `target` whose writer is gone: (path, "tmp" or "old")."""
    found = []
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return found
    for entry in entries:
        m = TEMP.match(entry.name)
        if m and m.group("name") == target.name and not _alive(int(m.group("pid"))):
            found.append((entry, m.group("what")))
    return found


def _remove(entry: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        if marker_kind(entry) is None and any(entry.iterdir()) and not legacy_result(entry):
            return  # not one of ours after all: leave it
        shutil.rmtree(entry, ignore_errors=True)
    else:
        entry.unlink(missing_ok=True)


def recover(target: Path) -> None:
    """After a crash: put back an earlier output left hidden between two renames, then
    remove what killed writers left beside `target`."""
    left = _leftovers(target)
    if not target.exists() and not target.is_symlink():
        for entry, what in left:
            if what == "old" and entry.is_dir() and (marker_kind(entry) is not None
                                                     or legacy_result(entry)):
                os.replace(entry, target)
                break
    clean_leftovers(target)


def clean_leftovers(target: Path) -> None:
    for entry, _ in _leftovers(target):
        _remove(entry)


# --- writing ----------------------------------------------------------------------------------


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def new_folder(out: Path, kind: str) -> Path:
    """A hidden temporary folder beside `out`, marked with `kind`, readable by colleagues."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_name(out)
    tmp.mkdir()
    try:
        os.chmod(tmp, 0o777 & ~_umask())
        (tmp / MARKER).write_text(kind + "\n", encoding="utf-8")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tmp


def mark(folder: Path, kind: str) -> None:
    """Mark a folder symbiosis writes into (a sweep folder, a figures folder)."""
    if marker_kind(folder) != kind:
        write_file(folder / MARKER, (kind + "\n").encode("utf-8"))


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2); False where not supported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def swap_into_place(tmp: Path, out: Path) -> None:
    """Replace `out` by the complete folder `tmp`; there is always an `out` (old or new).

    With an atomic exchange the old folder lands at `tmp` and is removed; else it is renamed
    aside first, and a crash between the two renames is undone by `recover` on the next run.
    """
    if not out.exists():
        os.replace(tmp, out)
        return
    if _exchange(tmp, out):
        shutil.rmtree(tmp, ignore_errors=True)
        return
    old = _temp_name(out, "old")
    os.replace(out, old)
    try:
        os.replace(tmp, out)
    except BaseException:
        os.replace(old, out)  # put the earlier output back
        raise
    shutil.rmtree(old, ignore_errors=True)


def write_folder(out: Path, kind: str, fill: Callable[[Path], None]) -> Path:
    """Write a whole folder: `fill(tmp)` writes its files, then it is swapped in whole."""
    try:
        tmp = new_folder(out, kind)
    except BaseException as exc:
        _reraise(exc, out)
    try:
        fill(tmp)
        swap_into_place(tmp, out)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        _reraise(exc, out)
    return out


def write_file(path: str | Path, data: bytes) -> Path:
    """Write a file all at once: a temporary file beside it, then a rename."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = _temp_name(path)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        _reraise(exc, path)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        _reraise(exc, path)
    return path


# The system refused the write: the user can act on these (free space, permissions, a name).
WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM,
                errno.ENAMETOOLONG, errno.EFBIG, errno.EIO, errno.ENOTDIR, errno.EXDEV,
                errno.EBUSY, errno.EMLINK}


def _reraise(exc: BaseException, target: Path):
    failure = write_failure(exc, target)
    if failure is exc:
        raise exc
    raise failure from exc


def write_failure(exc: BaseException, target: Path) -> BaseException:
    """An OutputError for a write the system refused; any other exception unchanged."""
    if isinstance(exc, OSError) and exc.errno in WRITE_ERRNOS:
        kept = "the earlier one is kept unchanged" if target.exists() else "nothing was written"
        return OutputError(Problem(str(target), f"cannot be written: "
                                                f"{exc.strerror or exc} ({kept})"))
    return exc


# --- CSV cells a spreadsheet would run -----------------------------------------------------------


def escape_cell(value: object) -> object:
    """A text cell starting like a formula gets a leading quote; anything else is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unescape_cell(value: object) -> object:
    """The text `escape_cell` was given back."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" \
            and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def csv_safe(frame, index: bool = True):
    """A copy of a DataFrame whose text cells (and text index) are escaped; numbers and
    missing values untouched, so a negative number stays a number."""
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(escape_cell)
    if index:
        out.index = _safe_index(out.index)
    out.columns = _safe_index(out.columns)
    return out


CSV_FLOAT_FORMAT = "%.10g"  # = results.SIGNIFICANT digits: hides round-off, byte-stable


def csv_text(frame, index: bool = True, float_format: str = CSV_FLOAT_FORMAT) -> str:
    """A table as the CSV text symbiosis writes: cells escaped (`csv_safe`), `\n` line ends."""
    return csv_safe(frame, index=index).to_csv(index=index, float_format=float_format,
                                               lineterminator="\n")


def _safe_index(idx):
    import pandas as pd

    if isinstance(idx, pd.MultiIndex):
        return idx.set_levels([_safe_index(level) for level in idx.levels])
    if idx.dtype == object or pd.api.types.is_string_dtype(idx):
        return idx.map(escape_cell)
    return idx


def csv_unescape(frame):
    """Undo `csv_safe` on a frame read back from a CSV symbiosis wrote."""
    import pandas as pd

    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            frame[column] = frame[column].map(unescape_cell)
    if not isinstance(frame.index, pd.MultiIndex) and (
            frame.index.dtype == object or pd.api.types.is_string_dtype(frame.index)):
        frame.index = frame.index.map(unescape_cell)
    return frame


def names_in(names: Iterable[str]) -> Callable[[Path], bool]:
    """`allowed` for check_folder: entries with one of these names."""
    wanted = set(names)
    return lambda p: p.name in wanted


# --- reading back what a run wrote (report, compare) --------------------------------------------

KPI_NUMBERS = ("objective", "objective_bound", "mip_gap", "total_cost", "baseline_cost",
               "savings", "co2_t", "baseline_co2_t", "co2_avoided_t", "links_built",
               "annualised_capex", "candidate_links", "rejected_pairs", "savings_within_firms",
               "savings_between_firms", "co2_avoided_within_firms_t",
               "co2_avoided_between_firms_t", "no_links_cost", "no_links_co2_t")
KPI_SECTIONS = ("resources", "heat", "greedy", "solver", "timings_s", "objective_breakdown",
                "baseline_breakdown", "rejected_by_reason", "firms_alone", "savings_split")
KPI_TEXTS = ("status", "name", "model", "currency", "termination", "objective_kind",
             "baseline_kind")


def _is_number(value: object) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


def read_kpis_file(path: Path) -> dict:
    """kpis.json of a result folder, checked: an edited or corrupted file is an InputError
    naming the file and the key, never a crash further on."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(Problem(str(path), f"cannot be read as JSON: {exc}")) from None
    if not isinstance(data, dict):
        raise InputError(Problem(str(path), "is not a JSON object"))
    if not isinstance(data.get("status"), str):
        raise InputError(Problem(str(path), "needs a text status", key="status"))
    for key in KPI_TEXTS:
        if key in data and not isinstance(data[key], str) and data[key] is not None:
            raise InputError(Problem(str(path), "must be text", key=key))
    for key in KPI_NUMBERS:
        if key in data and not _is_number(data[key]):
            raise InputError(Problem(str(path), f"must be a number or null, not "
                                                f"{data[key]!r}", key=key))
    for key in KPI_SECTIONS:
        if key in data and data[key] is not None and not isinstance(data[key], dict):
            raise InputError(Problem(str(path), "must be an object", key=key))
    for section in ("resources", "heat", "greedy", "objective_breakdown", "baseline_breakdown"):
        for name, value in (data.get(section) or {}).items():
            values = value.items() if isinstance(value, dict) and section == "resources" \
                else [(None, value)]
            if section == "resources" and not isinstance(value, dict):
                raise InputError(Problem(str(path), "must be an object",
                                         key=f"{section}.{name}"))
            for sub, v in values:
                if not _is_number(v) and not (section in ("heat", "greedy")
                                              and isinstance(v, (str, bool, dict, list))):
                    where = f"{section}.{name}" + (f".{sub}" if sub else "")
                    raise InputError(Problem(str(path), f"must be a number or null, not "
                                                        f"{v!r}", key=where))
    return data


def check_numeric(frame, path: Path, columns: Iterable[str]):
    """The given columns of a table read back must be numbers (blank allowed): name the
    file, line and column of the first that is not."""
    import pandas as pd

    for column in columns:
        if column not in frame or pd.api.types.is_numeric_dtype(frame[column]):
            continue
        parsed = pd.to_numeric(frame[column], errors="coerce")
        bad = parsed.isna() & frame[column].notna()
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0]) + 2  # the header is line 1
            raise InputError(Problem(str(path), f"{frame[column][bad].iloc[0]!r} is not a "
                                                "number", row=f"line {row}", column=column))
    return frame
