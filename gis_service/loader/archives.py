"""Zip archives and Shapefile encodings, for the vector file readers.

Archives are extracted with limits (members, total size, inflation ratio) and
refused on unsafe member paths; a Shapefile's text encoding comes from its
``.cpg`` or, failing that, from decoding its ``.dbf`` text as UTF-8 or GBK.
"""
from __future__ import annotations

import re
import struct
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from gis_service.errors import InvalidFile

MAX_ZIP_MEMBERS = 500
MAX_ZIP_UNCOMPRESSED_BYTES = 2 * 1024**3
MAX_ZIP_RATIO = 200  # beyond 64 MB, a member may inflate at most this many times its packed size
DBF_SCAN_BYTES = 32 * 1024**2  # enough records to tell GBK from UTF-8
OGR_SUFFIXES = {".geojson", ".json", ".gpkg", ".kml", ".shp"}


# --- Shapefile encoding ------------------------------------------------------------
def _sibling(path: Path, suffix: str) -> Path | None:
    for candidate in path.parent.iterdir():
        if candidate.stem == path.stem and candidate.suffix.lower() == suffix:
            return candidate
    return None


def shapefile_encoding(shp: Path, shown: str) -> str | None:
    """None lets GDAL honour .cpg; otherwise guess UTF-8 vs GBK from the .dbf."""
    for companion in (".shx", ".dbf"):
        if _sibling(shp, companion) is None:
            raise invalid_file(shown, f"缺少配套文件 {shp.stem}{companion}", f"missing companion file {shp.stem}{companion}")
    if _sibling(shp, ".cpg") is not None:
        return None
    values = _dbf_text_values(_sibling(shp, ".dbf"))
    non_ascii = [v for v in values if not v.isascii()]
    if not non_ascii:
        return None
    if all(decodes(v, "utf-8") for v in non_ascii):
        return "UTF-8"
    if all(decodes(v, "gb18030") for v in non_ascii):
        return "GB18030"  # superset of GBK/GB2312
    raise invalid_file(
        shown, "无法判断属性表编码（既非 UTF-8 也非 GBK）", "cannot tell the attribute encoding (neither UTF-8 nor GBK)",
        hint_zh="请附带 .cpg 文件或指定 --encoding", hint_en="add a .cpg file or pass --encoding",
    )


def decodes(raw: bytes, codec: str, truncated_bytes: int = 2) -> bool:
    # A fixed-width DBF field may cut the last multi-byte character in half.
    for cut in range(truncated_bytes + 1):
        try:
            raw[:len(raw) - cut].decode(codec)
            return True
        except (UnicodeDecodeError, LookupError):
            continue
    return False


def _dbf_text_values(dbf: Path) -> list[bytes]:
    """Field names and character-field values of a dBASE file (first records only)."""
    with dbf.open("rb") as handle:
        data = handle.read(DBF_SCAN_BYTES)
    if len(data) < 32:
        return []
    header_len, record_len = struct.unpack("<HH", data[8:12])
    values, text_fields, position = [], [], 1  # position 0 is the deletion flag
    for start in range(32, header_len - 31, 32):
        block = data[start:start + 32]
        if block[:1] == b"\r":
            break
        values.append(block[:11].split(b"\0", 1)[0])
        if block[11:12] == b"C":
            text_fields.append((position, block[16]))
        position += block[16]
    for record in range(header_len, len(data) - record_len + 1, max(record_len, 1)):
        values.extend(data[record + at:record + at + width].rstrip(b" \0") for at, width in text_fields)
    return values


# --- zip archives ------------------------------------------------------------------
def extract_zip(archive: Path, target: Path, layer: str | None) -> Path:
    """Safely extract ``archive`` into ``target`` and return the file to read."""
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            _check_zip_members(archive, members)
            root = target.resolve()
            written = 0
            for member in members:
                destination, before = (root / _member_name(member)).resolve(), written
                if not destination.is_relative_to(root):
                    raise _zip_slip(archive, member.filename)
                destination.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(member) as source, destination.open("wb") as sink:
                    # Count real bytes (headers can lie); GIS files deflate ~3-20x, a bomb's zeros ~1000x.
                    while chunk := source.read(1024 * 1024):
                        written += len(chunk)
                        inflated = written - before
                        ratio_cap = max(64 * 1024**2, MAX_ZIP_RATIO * member.compress_size)
                        if written > MAX_ZIP_UNCOMPRESSED_BYTES or inflated > ratio_cap:
                            raise _zip_too_big(archive)
                        sink.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError) as exc:
        raise invalid_file(archive.name, f"不是有效的 zip 压缩包：{exc}", f"is not a valid zip archive: {exc}") from None
    return _pick_zip_entry(archive, target, layer)


def _member_name(member: zipfile.ZipInfo) -> str:
    """Undo cp437 decoding of names from zip tools that wrote GBK (or UTF-8) unflagged."""
    if member.flag_bits & 0x800 or member.filename.isascii():
        return member.filename
    raw = member.filename.encode("cp437", errors="replace")
    return next((raw.decode(c) for c in ("utf-8", "gb18030") if decodes(raw, c, 0)), member.filename)


def _check_zip_members(archive: Path, members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_ZIP_MEMBERS:
        raise invalid_file(archive.name, f"压缩包内文件过多（{len(members)} 个，上限 {MAX_ZIP_MEMBERS}）",
                       f"has too many members ({len(members)}, limit {MAX_ZIP_MEMBERS})")
    if sum(m.file_size for m in members) > MAX_ZIP_UNCOMPRESSED_BYTES:
        raise _zip_too_big(archive)
    for member in members:
        name = member.filename.replace("\\", "/")
        parts = PurePosixPath(name).parts
        is_symlink = (member.external_attr >> 16) & 0o170000 == 0o120000
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts or is_symlink:
            raise _zip_slip(archive, member.filename)


def _pick_zip_entry(archive: Path, root: Path, layer: str | None) -> Path:
    files = [p for p in root.rglob("*") if p.is_file()
             and "__MACOSX" not in p.parts and not p.name.startswith(".")]
    shapefiles = [p for p in files if p.suffix.lower() == ".shp"]
    if layer is not None and shapefiles:
        shapefiles = [p for p in shapefiles if p.stem == layer]
    if len(shapefiles) == 1:
        return shapefiles[0]
    if len(shapefiles) > 1:
        names = sorted(p.stem for p in shapefiles)
        raise invalid_file(archive.name, f"包含多个 Shapefile {names}，请用 layer 指定其一",
                       f"holds several shapefiles {names}; choose one with layer")
    readable = [p for p in files if p.suffix.lower() in (OGR_SUFFIXES | {".csv"}) - {".shp"}]
    if len(readable) == 1:
        return readable[0]
    raise invalid_file(archive.name, "压缩包中没有唯一可读取的 .shp（或其他矢量文件）",
                   "contains no single .shp (or other vector file) to read")


def _zip_slip(archive: Path, member: str) -> InvalidFile:
    return invalid_file(archive.name, f"压缩包成员路径不安全：{member!r}", f"has an unsafe member path {member!r}")


def _zip_too_big(archive: Path) -> InvalidFile:
    limit_mb = MAX_ZIP_UNCOMPRESSED_BYTES // 1024**2
    return invalid_file(archive.name, f"解压后超过 {limit_mb} MB 或 {MAX_ZIP_RATIO} 倍压缩大小",
                        f"expands beyond the {limit_mb} MB limit or {MAX_ZIP_RATIO}x its packed size")


def invalid_file(file: str | Path, reason_zh: str, reason_en: str, *, hint_zh: str = "", hint_en: str = "",
             detail: dict[str, Any] | None = None) -> InvalidFile:
    name = file.name if isinstance(file, Path) else file
    message_zh = f"{name}：{reason_zh}" + (f"。{hint_zh}" if hint_zh else "")
    message_en = f"{name}: {reason_en}" + (f"; {hint_en}" if hint_en else "")
    return InvalidFile(message_zh, message_en, detail={"file": name, "reason": reason_en, **(detail or {})})
