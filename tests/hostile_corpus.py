"""A corpus of hostile and broken ledgers, built in the tests (nothing downloaded).

Each entry: file name → (bytes builder, expected outcome). Outcomes: ("plan", exit code, check)
or ("error", message part).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook

HEADER = ["客户编号", "客户名称", "年销售额", "最近联系日期", "备注"]
ROWS = [
    ["K1", "甲公司", 1000, dt.date(2026, 11, 1), "正常"],
    ["K2", "乙公司", 500, dt.date(2026, 10, 1), None],
]


def workbook_bytes(build: Callable[[Workbook], None] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(HEADER)
    for row in ROWS:
        ws.append(row)
    if build:
        build(wb)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def rewrite(data: bytes, edit: Callable[[str, bytes], bytes], level: int = 6) -> bytes:
    """Copy an .xlsx package, passing every member through ``edit``."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as dst,
    ):
        for name in src.namelist():
            dst.writestr(name, edit(name, src.read(name)))
    return out.getvalue()


def entity_bomb() -> bytes:
    lol = (
        '<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
            for i in range(1, 10)
        )
        + "]>"
    )

    def edit(name: str, body: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            text = body.decode()
            head, rest = text.split("?>", 1) if text.startswith("<?xml") else ("", text)
            text = (
                (head + "?>" if head else "") + lol + rest.replace("<t>甲公司</t>", "<t>&lol9;</t>")
            )
            return text.encode()
        return body

    return rewrite(workbook_bytes(lambda wb: None), edit)


def public_doctype() -> bytes:
    """A DOCTYPE that declares nothing, as OpenOffice writes in every .ods manifest: harmless,
    read."""

    def edit(name: str, body: bytes) -> bytes:
        if name == "docProps/app.xml":
            doctype = (
                '<!DOCTYPE Properties PUBLIC "-//OpenOffice.org//DTD Manifest 1.0//EN"'
                ' "Manifest.dtd">'
            )
            text = body.decode()
            if text.startswith("<?xml"):
                head, rest = text.split("?>", 1)
                return (head + "?>" + doctype + rest).encode()
            return (doctype + text).encode()
        return body

    return rewrite(workbook_bytes(lambda wb: None), edit)


def zip_bomb() -> bytes:
    def edit(name: str, body: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            return body.replace(b"</sheetData>", b"</sheetData>" + b" " * 60_000_000)
        return body

    return rewrite(workbook_bytes(), edit, level=9)


def huge_used_range() -> bytes:
    blank = "".join(
        f'<row r="{r}"><c r="A{r}" s="0"/><c r="Z{r}" s="0"/></row>' for r in range(4, 300_001)
    )

    def edit(name: str, body: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            return body.replace(b"</sheetData>", blank.encode() + b"</sheetData>")
        return body

    return rewrite(workbook_bytes(), edit)


def formulas_and_errors() -> bytes:
    """B2 a formula with a cached value (read), C3 #DIV/0!, D2 a formula without a result."""

    def edit(name: str, body: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return body
        text = body.decode()
        text = text.replace(
            '<c r="C2" t="n"><v>1000</v></c>', '<c r="C2"><f>SUM(600,400)</f><v>1000</v></c>'
        )
        text = text.replace(
            '<c r="C3" t="n"><v>500</v></c>', '<c r="C3" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
        )
        import re

        text = re.sub(r'<c r="D2"[^>]*>.*?</c>', '<c r="D2"><f>TODAY()-20</f></c>', text, count=1)
        return text.encode()

    return rewrite(workbook_bytes(), edit)


def merged_hidden() -> bytes:
    def build(wb: Workbook) -> None:
        ws = wb["台账"]
        ws.insert_rows(1, 2)
        ws["A1"] = "客户台账（合并的标题）"
        ws.merge_cells("A1:E1")
        ws.row_dimensions[5].hidden = True
        decoy = wb.create_sheet("旧数据", 0)
        decoy.append(["客户名称", "年销售额"])
        decoy.append(["隐藏表里的客户", 1])
        decoy.sheet_state = "hidden"

    return workbook_bytes(build)


def text_in_numbers() -> bytes:
    def build(wb: Workbook) -> None:
        ws = wb["台账"]
        ws.append(["K3", "丙公司", "１２３４", "2026/11/5", "数字存成文本"])
        ws.append(["K4", "丁公司", "很多", "上周", "=cmd|' /C calc'!A0"])
        ws["E5"].data_type = "s"

    return workbook_bytes(build)


def empty_workbook() -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def headerless() -> bytes:
    wb = Workbook()
    for row in [["a", "b", "c"], [1, 2, 3]]:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def encrypted() -> bytes:
    """A real password-protected .xlsx (Agile encryption, as Excel writes it)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(workbook_bytes())).encrypt("secret", out)
    return out.getvalue()


def _sheet_edit(extra: str = "", drop: bool = False) -> bytes:
    """The small workbook with XML added to (or its sheet part removed from) the sheet."""

    def edit(name: str, body: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            return body.replace(b"</sheetData>", extra.encode() + b"</sheetData>")
        return body

    data = rewrite(workbook_bytes(), edit)
    if drop:
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
            for name in src.namelist():
                if name != "xl/worksheets/sheet1.xml":
                    dst.writestr(name, src.read(name))
        data = out.getvalue()
    return data


# one cell far away makes python-calamine build the dense grid (hundreds of GB: a Rust abort)
FAR_CELL = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
# the cell's own ref wins
FAR_TEXT = '<row r="4"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
FAR_ROW = '<row r="99999999"><c><v>1</v></c></row>'  # outside Excel's grid
# the same far cell spelled as tolerant XML readers accept it, or placed by counting (a cell
# without r goes right of the one before)
FAR_SPELLINGS = {
    "spaces": '<row r="1048576"><c r = "XFD1048576"><v>1</v></c></row>',
    "single_quotes": "<row r='1048576'><c r='XFD1048576'><v>1</v></c></row>",
    "lower_case": '<row r="1048576"><c r="xfd1048576"><v>1</v></c></row>',
    "leading_zeros": '<row r="1048576"><c r="XFD001048576"><v>1</v></c></row>',
    "tabs": '<row\tr="1048576"><c\tr="XFD1048576"><v>1</v></c></row>',
    "prefixed": (
        '<x:row xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="1048576">'
        '<x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>'
    ),
}
FAR_TWICE = '<row r="4"><c r="A4" r="XFD1048576"><v>1</v></c></row>'  # calamine takes the last r
FAR_COUNTED = '<row r="1048576">' + "<c/>" * 16_383 + "<c><v>1</v></c></row>"
COUNTED_OUTSIDE = '<row r="4">' + "<c><v>1</v></c>" * 17_000 + "</row>"
FAR_CUSTOMER = '<row r="4"><c r="B900000" t="inlineStr"><is><t>丙公司</t></is></c></row>'

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000

CORPUS: dict[str, tuple[Callable[[], bytes], tuple]] = {
    "entity_bomb.xlsx": (entity_bomb, ("error", "declares XML entities")),
    "zip_bomb.xlsx": (zip_bomb, ("error", "zip bomb")),
    "public_doctype.xlsx": (public_doctype, ("plan", 0)),
    "encrypted.xlsx": (encrypted, ("error", "password-protected or encrypted")),
    "old_xls_renamed.xlsx": (lambda: OLE, ("error", "rename it to .xls")),
    "xlsx_renamed.xls": (workbook_bytes, ("error", "rename it to .xlsx")),
    "truncated.xlsx": (lambda: workbook_bytes()[:1500], ("error", "damaged")),
    "notes.xlsx": (
        lambda: "这不是工作簿，只是改了扩展名的文本".encode(),
        ("error", "not a zip package"),
    ),
    "picture.xlsx": (lambda: PNG, ("error", "not a zip package")),
    "empty.xlsx": (empty_workbook, ("error", "no sheet has a recognisable header row")),
    "headerless.xlsx": (headerless, ("error", "no sheet has a recognisable header row")),
    "zero_bytes.xlsx": (lambda: b"", ("error", "the file is empty")),
    "huge_used_range.xlsx": (huge_used_range, ("plan", 0)),
    "formulas_and_errors.xlsx": (formulas_and_errors, ("plan", 1)),
    "merged_hidden.xlsx": (merged_hidden, ("plan", 0)),
    "text_in_numbers.xlsx": (text_in_numbers, ("plan", 1)),
    "gbk.csv": (
        lambda: ("客户名称,年销售额,备注\n甲公司,1.2万,=1+1\n乙公司,￥500,@SUM(1)\n").encode("gbk"),
        ("plan", 0),
    ),
    "binary.csv": (lambda: b"\x00\x01\x02" * 100, ("error", "not a text CSV file")),
    "far_cell_XFD1048576.xlsx": (lambda: _sheet_edit(FAR_CELL), ("plan", 0)),
    "far_text_cell.xlsx": (lambda: _sheet_edit(FAR_TEXT), ("plan", 0)),
    "far_customer_row.xlsx": (lambda: _sheet_edit(FAR_CUSTOMER), ("plan", 1)),
    **{
        f"far_cell_{name}.xlsx": ((lambda xml=xml: _sheet_edit(xml)), ("plan", 0))
        for name, xml in FAR_SPELLINGS.items()
    },
    "far_cell_two_r.xlsx": (lambda: _sheet_edit(FAR_TWICE), ("error", "duplicate attribute")),
    "far_cell_counted.xlsx": (lambda: _sheet_edit(FAR_COUNTED), ("plan", 0)),
    "counted_outside_grid.xlsx": (
        lambda: _sheet_edit(COUNTED_OUTSIDE),
        ("error", "outside Excel's grid"),
    ),
    "row_99999999.xlsx": (lambda: _sheet_edit(FAR_ROW), ("error", "outside Excel's grid")),
    "missing_sheet_part.xlsx": (
        lambda: _sheet_edit(drop=True),
        ("error", "its data is missing from the file"),
    ),
    "zero_width_names.csv": (
        lambda: (
            "客户名称,年销售额\n\u200b,100\n\ufeff\u200d,200\n\u200b丙公司\u200b,300\n".encode()
        ),
        ("plan", 1),
    ),
}


def build_corpus(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, (build, _) in CORPUS.items():
        path = folder / name
        path.write_bytes(build())
        out[name] = path
    return out
