"""The checks before any reader (io/safety.py), called directly: one clear reason per refusal.

tests/test_hostile.py runs the same corpus through `kq plan`; here each check is asserted on its
own (the exception type, and the English text naming the file and the reason, which holds
whether the message is still plain words or becomes a rules key)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from kqexcel.errors import LedgerError, default_texts
from kqexcel.io.safety import ACTIVE_PARTS, active_content, check_file
from tests.conftest import ROOT
from tests.hostile_corpus import (
    OLE,
    PNG,
    encrypted,
    entity_bomb,
    public_doctype,
    rewrite,
    workbook_bytes,
    zip_bomb,
)


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _refused(path: Path, *parts: str, **limits: float) -> LedgerError:
    """check_file refuses ``path`` with a LedgerError whose text names it and every part."""
    with pytest.raises(LedgerError) as caught:
        check_file(path, **limits)
    text = caught.value.text("en")
    assert text.startswith(f"{path}: "), text
    for part in parts:
        assert part in text, text
    assert "\n" not in text  # one line
    return caught.value


def _stored_zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return out.getvalue()


# --------------------------------------------------------------------------- accepted


def test_an_ordinary_workbook_passes(tmp_path):
    check_file(_file(tmp_path, "ok.xlsx", workbook_bytes()))
    check_file(ROOT / "templates" / "sample_ledger.xlsx")


def test_a_csv_is_not_checked_as_a_package(tmp_path):
    check_file(_file(tmp_path, "ok.csv", "客户名称,年销售额\n甲,1\n".encode()))


def test_a_public_doctype_declares_nothing_and_is_read(tmp_path):
    check_file(_file(tmp_path, "public.xlsx", public_doctype()))


# --------------------------------------------------------------------------- not a ledger file


def test_a_missing_file_is_named(tmp_path):
    _refused(tmp_path / "nope.xlsx", "file not found")


def test_a_folder_is_not_a_ledger(tmp_path):
    folder = tmp_path / "台账.xlsx"
    folder.mkdir()
    _refused(folder, "is a folder")


def test_an_empty_file_is_named(tmp_path):
    _refused(_file(tmp_path, "zero.xlsx", b""), "the file is empty")


def test_an_xlsx_named_xls_is_told_to_rename(tmp_path):
    _refused(_file(tmp_path, "renamed.xls", workbook_bytes()), "rename it to .xlsx")


def test_an_old_xls_named_xlsx_is_told_to_rename(tmp_path):
    _refused(_file(tmp_path, "old.xlsx", OLE), "Excel 97", ".xlsx name", "rename it to .xls")


def test_an_encrypted_package_asks_for_no_password(tmp_path):
    _refused(_file(tmp_path, "secret.xlsx", encrypted()), "password-protected or encrypted")


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm", ".ods"])
@pytest.mark.parametrize("data", [PNG, "这不是工作簿".encode()], ids=["png", "text"])
def test_a_file_that_is_not_a_zip_is_named_with_its_format(tmp_path, suffix, data):
    _refused(_file(tmp_path, f"x{suffix}", data), f"not a valid {suffix} workbook", "not a zip")


# --------------------------------------------------------------------------- bombs


def test_a_zip_bomb_is_refused_by_ratio_naming_the_member(tmp_path):
    path = _file(tmp_path, "bomb.xlsx", zip_bomb())
    _refused(path, "member xl/worksheets/sheet1.xml unpacks", "× its packed size", "zip bomb")


def test_the_ratio_limit_is_the_callers(tmp_path):
    path = _file(tmp_path, "bomb.xlsx", zip_bomb())
    check_file(path, max_ratio=1e9)  # 60 MB, far under the default total: read
    _refused(path, "zip bomb", max_ratio=100)


def test_a_package_too_large_unpacked_is_refused_naming_the_rules_key(tmp_path):
    path = _file(tmp_path, "big.xlsx", zip_bomb())
    _refused(
        path,
        "refused: unpacks to 60 MB",
        "limit 50 MB",
        "safety.max_unpacked_mb",
        max_unpacked_mb=50,
        max_ratio=1e9,
    )


def test_a_doctype_with_an_internal_subset_is_refused(tmp_path):
    _refused(
        _file(tmp_path, "lol.xlsx", entity_bomb()),
        "xl/worksheets/sheet1.xml declares XML entities",
    )

    def subset(name: str, body: bytes) -> bytes:  # declares nothing yet, but could: refused
        return (
            b"<!DOCTYPE x [ <!-- nothing --> ]>" + body if name == "[Content_Types].xml" else body
        )

    _refused(
        _file(tmp_path, "subset.xlsx", rewrite(workbook_bytes(), subset)),
        "[Content_Types].xml declares XML entities",
    )


# --------------------------------------------------------------------------- damaged


def test_a_truncated_package_is_damaged(tmp_path):
    _refused(_file(tmp_path, "cut.xlsx", workbook_bytes()[:1500]), "damaged or truncated")


def test_a_corrupt_member_is_named(tmp_path):
    body = b"<sheetData>" + b"customer " * 50 + b"</sheetData>"
    data = _stored_zip({"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": body})
    damaged = data.replace(b"customer customer", b"customer CUSTOMER", 1)  # its CRC no longer fits
    assert damaged != data
    _refused(
        _file(tmp_path, "crc.xlsx", damaged),
        "the workbook is damaged",
        "member xl/worksheets/sheet1.xml is corrupt",
    )


# --------------------------------------------------------------------------- active content


def test_a_plain_workbook_has_no_active_content(tmp_path):
    assert active_content(_file(tmp_path, "ok.xlsx", workbook_bytes())) == []


def test_active_content_names_each_kind_once_in_order(tmp_path):
    members = {
        "xl/vbaProject.bin": b"macro",
        "xl/externalLinks/externalLink1.xml": b"<externalLink/>",
        "xl/externalLinks/externalLink2.xml": b"<externalLink/>",
        "xl/embeddings/oleObject1.bin": b"ole",
    }
    data = rewrite(workbook_bytes(), lambda name, body: body)
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        members = {n: src.read(n) for n in src.namelist()} | members
    path = _file(tmp_path, "active.xlsm", _stored_zip(members))
    reasons = dict(ACTIVE_PARTS)
    found = active_content(path)
    assert [reason.key for reason in found] == [
        reasons["xl/externalLinks/"],
        reasons["xl/vbaProject.bin"],
        reasons["xl/embeddings/"],
    ]
    assert found[1].text("en") == "macros (save it as .xlsx)"
    assert found[1].text("zh") == default_texts()["active_macros"]["zh"]


@pytest.mark.parametrize("data", [PNG, b""], ids=["png", "empty"])
def test_active_content_of_a_file_that_is_not_a_package_is_nothing(tmp_path, data):
    assert active_content(_file(tmp_path, "x.xlsx", data)) == []
    assert active_content(tmp_path / "missing.xlsx") == []
