"""Photo attachments: JPEG/PNG only, size-limited, decoded to prove they are images,
stored under GIS_UPLOAD_DIR with generated names (never the uploader's), outside
anything served as static files; served back only through the API."""
from __future__ import annotations

import hashlib
import io
import secrets
from pathlib import Path
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError
from sqlalchemy import Connection, Engine, text

from gis_service.auth.principal import Principal
from gis_service.errors import NotFound
from gis_service.auth import audit
from gis_service.services.progress.validation import ValidationFailed

FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png")}
MAX_PIXELS = 50_000_000  # decompression-bomb guard


def _bad(zh: str, en: str) -> ValidationFailed:
    return ValidationFailed({"file": (zh, en)})


def _read_limited(stream: BinaryIO, limit: int) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise _bad(f"照片超过 {limit // 1_000_000} MB 上限", f"photo exceeds the {limit} byte limit")
    if not data:
        raise _bad("文件为空", "empty file")
    return data


def _inspect(data: bytes) -> tuple[str, str, int, int]:
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt, (width, height) = image.format, image.size
            if fmt not in FORMATS:
                raise _bad("只接受 JPEG 或 PNG", f"only JPEG or PNG are accepted, got {fmt}")
            if width * height > MAX_PIXELS:
                raise _bad("图像像素过多", "image has too many pixels")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise _bad("不是有效的 JPEG/PNG 图像", "not a valid JPEG or PNG image") from None
    media_type, suffix = FORMATS[fmt]
    return media_type, suffix, width, height


def save_photo(engine: Engine, settings, principal: Principal, collection_id: str, feature_id: str,
               stream: BinaryIO, filename: str | None, caption: str | None, *, method: str, path: str) -> dict:
    data = _read_limited(stream, settings.max_photo_bytes)
    media_type, suffix, width, height = _inspect(data)
    directory = Path(settings.upload_dir) / collection_id
    directory.mkdir(parents=True, exist_ok=True)
    stored_name = f"{collection_id}/{secrets.token_hex(16)}{suffix}"
    target = Path(settings.upload_dir) / stored_name
    target.write_bytes(data)
    try:
        with engine.begin() as conn:
            row = conn.execute(text("""
                INSERT INTO progress_photos (collection_id, feature_id, stored_name, original_name, content_type,
                                             size_bytes, sha256, width, height, caption, uploaded_by)
                VALUES (:c, :f, :stored, :original, :type, :size, :sha, :w, :h, :caption, :actor)
                RETURNING id, collection_id, feature_id, original_name, content_type, size_bytes, width, height,
                          caption, uploaded_at, uploaded_by"""), {
                "c": collection_id, "f": feature_id, "stored": stored_name, "original": (filename or "")[:200] or None,
                "type": media_type, "size": len(data), "sha": hashlib.sha256(data).hexdigest(), "w": width,
                "h": height, "caption": (caption or "")[:500] or None, "actor": principal.name}).mappings().one()
            audit.record(conn, principal, method=method, path=path, status=201, action="photo",
                         collection_id=collection_id, feature_id=feature_id,
                         detail={"photo_id": row["id"], "bytes": len(data), "content_type": media_type})
    except Exception:
        target.unlink(missing_ok=True)
        raise
    return dict(row)


def describe(row: dict, base: str) -> dict:
    out = {k: v for k, v in row.items() if k != "stored_name"}
    out["uploaded_at"] = row["uploaded_at"].isoformat()
    out["href"] = f"{base}/photos/{row['id']}"
    return out


def list_photos(conn: Connection, collection_id: str, feature_id: str, base: str) -> list[dict]:
    rows = conn.execute(text("""
        SELECT id, collection_id, feature_id, original_name, content_type, size_bytes, width, height, caption,
               uploaded_at, uploaded_by FROM progress_photos
         WHERE collection_id = :c AND feature_id = :f AND NOT retired ORDER BY id"""),
                        {"c": collection_id, "f": feature_id}).mappings()
    return [describe(dict(r), base) for r in rows]


def photo_path(conn: Connection, settings, photo_id: int) -> tuple[Path, str]:
    row = conn.execute(text("SELECT stored_name, content_type FROM progress_photos WHERE id = :id AND NOT retired"),
                       {"id": photo_id}).first()
    path = None if row is None else (Path(settings.upload_dir) / row.stored_name)
    if path is None or not path.is_file():
        raise NotFound(f"没有照片 {photo_id}", f"no photo {photo_id}", detail={"photo": photo_id})
    return path, row.content_type
