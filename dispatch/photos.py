"""Proof-of-delivery photos: checked, kept as files under the data folder, named in the
database by path and SHA-256.

The phone scales a photo to at most `PHOTO_TARGET_BYTES` before it sends it; the server takes
up to `PHOTO_MAX_BYTES` (the route's body limit, `api.guard.BODY_LIMITS`) and only a picture
Pillow can read as JPEG, PNG or WebP: anything else is ``photo.not_image``.
"""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from pathlib import Path
from typing import Final

from PIL import Image, UnidentifiedImageError
from sqlmodel import Session, col, select

from dispatch.actions import get_order
from dispatch.errors import DomainError
from dispatch.models import DeliveryPhoto, OrderStatus
from dispatch.settings import Settings
from dispatch.signing import data_folder

#: What the phone aims for when it scales a photo down, in bytes.
PHOTO_TARGET_BYTES: Final = 200 * 1024
#: The largest photo the server takes, in bytes (some room over the phone's target).
PHOTO_MAX_BYTES: Final = 256 * 1024
#: The picture formats taken, by Pillow's name, and their MIME types and file suffixes.
FORMATS: Final = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"),
                  "WEBP": ("image/webp", "webp")}  # fmt: skip
#: The folder of the photos under the data folder.
PHOTOS_DIR: Final = "photos"
#: Statuses in which a photo may be added to an order (before or after handing it over).
_PHOTO_STATUSES: Final = frozenset(
    {OrderStatus.ASSIGNED, OrderStatus.PICKED_UP, OrderStatus.DELIVERED}
)


def _picture(data: bytes) -> tuple[str, int, int]:
    """The format, width and height of ``data``, or ``photo.not_image``."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            kind, (width, height) = str(image.format), image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise DomainError("photo.not_image", field="photo") from None
    if kind not in FORMATS:
        raise DomainError("photo.not_image", field="photo")
    return kind, width, height


def store_photo(
    session: Session, settings: Settings, order_id: uuid.UUID, data: bytes, *, by: str
) -> DeliveryPhoto:
    """Keep ``data`` as a photo of ``order_id``: ``photo.too_large`` over `PHOTO_MAX_BYTES`,
    ``photo.not_image`` when it is not a JPEG, PNG or WebP picture, ``photo.not_open`` when
    the order is failed or cancelled. The same picture sent twice is kept once."""
    if len(data) > PHOTO_MAX_BYTES:
        raise DomainError(
            "photo.too_large", field="photo", params={"limit": PHOTO_MAX_BYTES // 1024}
        )
    order = get_order(session, order_id)
    if order.status not in _PHOTO_STATUSES:
        raise DomainError("photo.not_open", field="photo", params={"status": order.status.value})
    kind, width, height = _picture(data)
    digest = hashlib.sha256(data).hexdigest()
    same = session.exec(
        select(DeliveryPhoto)
        .where(DeliveryPhoto.order_id == order_id)
        .where(DeliveryPhoto.sha256 == digest)
    ).first()
    if same is not None:
        return same
    content_type, suffix = FORMATS[kind]
    relative = (
        Path(PHOTOS_DIR) / order.service_date.isoformat() / f"{order_id}-{digest[:16]}.{suffix}"
    )
    target = data_folder(settings) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".part")
    partial.write_bytes(data)
    os.replace(partial, target)
    photo = DeliveryPhoto(
        order_id=order_id,
        path=relative.as_posix(),
        sha256=digest,
        size_bytes=len(data),
        content_type=content_type,
        width=width,
        height=height,
        by=by,
    )
    session.add(photo)
    session.flush()
    return photo


def order_photos(session: Session, order_id: uuid.UUID) -> list[DeliveryPhoto]:
    """``order_id``'s photos, oldest first."""
    return list(
        session.exec(
            select(DeliveryPhoto)
            .where(DeliveryPhoto.order_id == order_id)
            .order_by(col(DeliveryPhoto.taken_at))
        ).all()
    )


def photo_file(settings: Settings, photo: DeliveryPhoto) -> Path:
    """Where ``photo``'s file is, refusing a path that leaves the photos' folder."""
    root = (data_folder(settings) / PHOTOS_DIR).resolve()
    path = (data_folder(settings) / photo.path).resolve()
    if root not in path.parents:
        raise DomainError("photo.not_found", params={"id": str(photo.id)})
    return path
