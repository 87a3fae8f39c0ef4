"""The streamed sheet XML writer: rows written straight into a saved package as inline strings.

XlsxWriter's way (``constant_memory``), kept in one module: fast at 100,000 rows, and text from a
ledger can never become a formula. Cell text goes through :func:`kqexcel.io.cells.cell_text`,
the same function the openpyxl writer uses, then is escaped for XML here.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import queue
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from kqexcel.errors import OutputError
from kqexcel.io.cells import cell_text
from kqexcel.io.files import atomic_write
from kqexcel.io.package import sheet_part

EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def escape(text: str) -> str:
    """Text as XML character data: made safe by cell_text, then &, < and > escaped."""
    text = cell_text(text)
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _tail(value: Any, style: int, date_style: int) -> str | None:
    """Everything of a cell's XML after its reference; None for an empty cell."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, str):
        return (
            f' s="{style}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'
        )
    if isinstance(value, (bool, np.bool_)):
        return f' s="{style}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        if math.isnan(number) or math.isinf(number):
            return None
        text = str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)
        return f' s="{style}"><v>{text}</v></c>'
    if isinstance(value, (dt.datetime, dt.date)):
        moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        serial = (moment.replace(tzinfo=None) - EXCEL_EPOCH).total_seconds() / 86400
        return f' s="{date_style}"><v>{int(serial) if serial.is_integer() else serial}</v></c>'
    return _tail(str(value), style, date_style)


def _cells(
    letter: str, values: list[Any], style: int, date_style: int, first_row: int
) -> list[str]:
    """The XML of one column's cells ('' for an empty cell). Repeated values (labels, codes,
    dates) are turned into XML once."""
    cache: dict[Any, str | None] = {}
    out = []
    prefix = f'<c r="{letter}'
    for r, value in enumerate(values, start=first_row):
        if value.__class__ is bool:  # True == 1.0 as a dict key: never cached
            out.append(f'{prefix}{r}"{_tail(value, style, date_style)}')
            continue
        try:
            tail = cache[value]
        except KeyError:
            tail = _tail(value, style, date_style)
            if not (isinstance(value, str) and len(value) > 64):
                cache[value] = tail
        except TypeError:  # unhashable
            tail = _tail(value, style, date_style)
        out.append("" if tail is None else f'{prefix}{r}"{tail}')
    return out


FIRST_BLOCK, MAX_BLOCK, CHUNK = 16, 2000, 4_000_000  # rows, rows, characters
SHEET_ROWS = 1_048_576  # rows of an Excel sheet
PAGE = 10_000  # rows of a paged table made at once (their values, texts and heights)

# a page of rows: each column's values and each row's height (None: all the default height)
Page = tuple[list[list[Any]], list[float | None] | None]


def _height(points: float | None) -> str:
    """A row element's height attributes ('' for the sheet's default height)."""
    return "" if points is None else f' ht="{points:g}" customHeight="1"'


@dataclass
class StreamedTable:
    """A table whose header is in the template and whose rows are streamed into the package."""

    title: str
    head_row: int
    head_col: int
    columns: list[tuple[str, list[Any]]]
    styles: list[int]
    date_styles: list[int]
    heights: list[float | None] | None = None  # a row's height in points (None: the default)
    # [8/8] rows made a page at a time instead of held in ``columns`` (whose values are then
    # empty): how many, and the page of the rows start–stop
    pages: tuple[int, Callable[[int, int], Page]] | None = None

    @property
    def n(self) -> int:
        if self.pages is not None:
            return self.pages[0]
        return len(self.columns[0][1]) if self.columns else 0

    def _blocks(self, size: Callable[[], int]) -> Iterator[tuple[int, Page]]:
        """(first row's position, values and heights) of consecutive blocks of the rows, each
        ``size()`` rows long (shorter at a page's end)."""
        start, n = 0, self.n
        while start < n:
            if self.pages is None:
                stop = min(start + size(), n)
                tall = None if self.heights is None else self.heights[start:stop]
                yield start, ([values[start:stop] for _, values in self.columns], tall)
                start = stop
                continue
            end = min(start + PAGE, n)
            values, heights = self.pages[1](start, end)
            at = start
            while at < end:
                stop = min(at + size(), end)
                part = [v[at - start : stop - start] for v in values]
                tall = None if heights is None else heights[at - start : stop - start]
                yield at, (part, tall)
                at = stop
            del values, heights
            start = end

    @property
    def dimension(self) -> str:
        from openpyxl.utils import get_column_letter

        last = get_column_letter(self.head_col + max(len(self.columns), 1) - 1)
        return f"A1:{last}{self.head_row + max(self.n, 1)}"

    def rows_xml(self, progress: Callable[[int], None] | None = None) -> Iterator[str]:
        """The rows' XML in chunks of about ``CHUNK`` characters: the first block holds
        ``FIRST_BLOCK`` rows, the next ones as many rows (up to ``MAX_BLOCK``) as the last
        block's size per row allows, so that long texts do not pile up in memory."""
        from openpyxl.utils import get_column_letter

        letters = [get_column_letter(self.head_col + j) for j in range(len(self.columns))]
        size = [FIRST_BLOCK]
        for start, (values, tall) in self._blocks(lambda: size[0]):
            first = self.head_row + 1 + start
            cols = [
                _cells(letters[j], column, self.styles[j], self.date_styles[j], first)
                for j, column in enumerate(values)
            ]
            if tall is None:
                chunk = "".join(
                    f'<row r="{first + i}">{"".join(cells)}</row>'
                    for i, cells in enumerate(zip(*cols, strict=True))
                )
            else:
                chunk = "".join(
                    f'<row r="{first + i}"{_height(tall[i])}>{"".join(cells)}</row>'
                    for i, cells in enumerate(zip(*cols, strict=True))
                )
            rows = len(values[0]) if values else 0
            del cols, values
            yield chunk
            if progress:
                progress(rows)
            size[0] = max(1, min(MAX_BLOCK, CHUNK * rows // max(len(chunk), 1)))


def save_streamed(
    wb: Any,
    out: Path,
    tables: list[StreamedTable],
    force: bool,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Save ``wb`` with the rows of ``tables`` streamed in, atomically; a table with more rows
    than its sheet holds is refused before anything is written."""
    for t in tables:
        if t.head_row + t.n > SHEET_ROWS:
            raise OutputError(
                "output_sheet_too_many_rows",
                path=out,
                sheet=t.title,
                rows=t.n,
                most=SHEET_ROWS - t.head_row,
            )
    staged = io.BytesIO()
    wb.save(staged)
    parts = {sheet_part(staged, t.title): t for t in tables}

    def write(stream: IO[bytes]) -> None:
        def splice(zip64: bool | None) -> None:
            _splice(
                staged,
                stream,
                {
                    part: (t.head_row, t.dimension, t.rows_xml(progress), t.n)
                    for part, t in parts.items()
                },
                zip64,
            )

        try:
            splice(None)
        except RuntimeError as exc:  # past 2 GiB after all (rows far longer than the first ones)
            if "zip64" not in str(exc).lower():
                raise
            stream.seek(0)
            stream.truncate()
            splice(True)

    atomic_write(out, force, write)
    return out


def _ahead(chunks: Iterable[str], depth: int = 4) -> Iterator[bytes]:
    """Encode the XML chunks in a thread while the caller compresses the previous ones (zlib
    releases the GIL, so the two run side by side on two cores). When the caller stops early
    (an error, Ctrl-C), the producer is told to stop and is not left blocked on a full queue."""
    pipe: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                pipe.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for chunk in chunks:
                if not hand(("data", chunk.encode("utf-8", "replace"))):
                    return
            hand(("end", None))
        except BaseException as exc:  # handed to the consumer, raised there
            hand(("error", exc))

    worker = threading.Thread(target=produce, daemon=True)
    worker.start()
    try:
        while True:
            kind, item = pipe.get()
            if kind == "data":
                yield item
            elif kind == "error":
                raise item
            else:
                break
    finally:
        stop.set()
        worker.join(timeout=5)


def _scan(xml: bytes) -> dict[str, Any]:
    """Byte offsets of a sheet part's dimension, sheetData and sheetData's rows (row number,
    start, end), found by an XML parser (expat, with defusedxml's guard: no DTD) rather than by
    patterns, so any prefix, quoting or spacing is read as XML reads it."""
    from xml.parsers import expat

    from defusedxml import DTDForbidden

    parser = expat.ParserCreate(namespace_separator=" ")
    found: dict[str, Any] = {"rows": [], "dimension": None, "open": None, "close": None}
    depth = [0]

    def end_of_tag(at: int) -> int:
        return xml.index(b">", at) + 1

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]
        depth[0] += 1
        at = parser.CurrentByteIndex
        if local == "sheetData" and depth[0] == 2:
            found["open"] = (at, end_of_tag(at))
        elif local == "dimension" and depth[0] == 2:
            found["dimension"] = at
        elif local == "row" and depth[0] == 3 and found["open"] and not found["close"]:
            found["rows"].append([int(attrs.get("r", 0)), at, None])

    def end(name: str) -> None:
        local = name.rsplit(" ", 1)[-1]
        at = parser.CurrentByteIndex
        # an end tag: at its "<"; an empty element (<row r="2"/>): expat is already past it
        stop = end_of_tag(at) if xml.startswith(b"</", at) else at
        if local == "dimension" and depth[0] == 2:
            found["dimension"] = (found["dimension"], stop)
        elif local == "sheetData" and depth[0] == 2:
            found["close"] = (at if xml.startswith(b"</", at) else stop, stop)
        elif local == "row" and depth[0] == 3 and found["rows"] and found["rows"][-1][2] is None:
            found["rows"][-1][2] = stop
        depth[0] -= 1

    def doctype(*_: object) -> None:
        raise DTDForbidden(None, None, None)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = doctype
    parser.Parse(xml, True)
    return found


def sheet_frame(xml: bytes, head_row: int, dimension: str) -> tuple[bytes, bytes, bytes]:
    """A template sheet part cut around its data rows: everything before sheetData (with the
    dimension set to ``dimension``), the rows up to ``head_row``, and everything after."""
    found = _scan(xml)
    kept = b"".join(xml[a:b] for r, a, b in found["rows"] if r <= head_row)
    head = xml[: found["open"][0]]
    if isinstance(found["dimension"], tuple):
        a, b = found["dimension"]
        head = head[:a] + f'<dimension ref="{dimension}"/>'.encode() + head[b:]
    return head, kept, xml[found["close"][1] :]


ZIP64_FROM = 1 << 30  # a sheet part expected past 1 GiB is written with ZIP64 (needed past 2 GiB)


def _splice(
    package: io.BytesIO,
    stream: IO[bytes],
    parts: dict[str, tuple[int, str, Iterable[str], int]],
    zip64: bool | None = None,
) -> None:
    """Copy the package, replacing the data rows (below each head row) of the sheet parts.
    ZIP64 only where a part needs it (``zip64`` None: judged from the first block of rows),
    since Excel refuses ZIP64 records in a small package."""
    with (
        zipfile.ZipFile(package) as src,
        zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst,
    ):
        for info in src.infolist():
            if info.filename not in parts:
                dst.writestr(
                    info,
                    src.read(info.filename),
                    compress_type=zipfile.ZIP_DEFLATED,
                    compresslevel=1,
                )
                continue
            head_row, dimension, rows, n_rows = parts[info.filename]
            head, kept, tail = sheet_frame(src.read(info.filename), head_row, dimension)
            target = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            target.compress_type = zipfile.ZIP_DEFLATED
            target._compresslevel = 1  # type: ignore[attr-defined]  # a ZipInfo of our own ignores the archive's level
            chunks = _ahead(rows)
            first = next(chunks, b"")
            big = zip64  # None: judged by the first block, which holds FIRST_BLOCK rows
            if big is None:
                big = len(first) * max(n_rows, 1) / max(min(n_rows, FIRST_BLOCK), 1) > ZIP64_FROM
            with dst.open(target, "w", force_zip64=big) as out:
                out.write(head)
                out.write(b"<sheetData>")
                out.write(kept)
                out.write(first)
                for chunk in chunks:
                    out.write(chunk)
                out.write(b"</sheetData>")
                out.write(tail)
