"""Benchmark 5: the function's code asset, zipped the way it is uploaded (deflate), in KB."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from harness import Context

TARGET_KB = 50.0


def zipped_size(directory: Path) -> tuple[int, int, int]:
    """(zip bytes, uncompressed bytes, files) of ``directory``, every file under it, deflated."""
    buffer = io.BytesIO()
    raw = 0
    files = 0
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(directory).as_posix())
                raw += path.stat().st_size
                files += 1
    return len(buffer.getvalue()), raw, files


def run(ctx: Context) -> dict[str, Any]:
    """Measured on the asset exactly as synthesized, before anything imports from it."""
    zipped, raw, files = zipped_size(ctx.asset_dir)
    kb = zipped / 1000
    return {
        "asset": ctx.asset_dir.name,
        "files": files,
        "uncompressed_bytes": raw,
        "zip_bytes": zipped,
        "zip_kb": kb,
        "target_kb": TARGET_KB,
        "met": kb <= TARGET_KB,
    }
