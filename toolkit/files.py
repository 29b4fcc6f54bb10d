"""Writing files so that nothing is ever half-written: every output goes to a temporary file
beside its target and is renamed into place (a rename within one folder is atomic), so a killed
run leaves either the old file or the new one, never a fragment.

This is the one place that knows how; CSV, Parquet, HTML, pickles and notebooks all go through
``write_atomic`` or ``atomic_path``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _temporary_name(path: Path) -> Path:
    # Process and thread in the name: two workers writing the same target never share a file.
    return path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path to write to; renamed to ``path`` when the block ends without error,
    removed when it raises. The folder is created if needed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary_name(path)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write text (UTF-8) or bytes to ``path`` atomically; returns the path."""
    with atomic_path(path) as tmp:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            tmp.write_text(data, encoding="utf-8")
    return Path(path)


def write_csv_atomic(frame, path: str | Path, **kwargs) -> Path:
    """A DataFrame as CSV (no index column), atomically."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, **kwargs)
    return Path(path)


def write_parquet_atomic(frame, path: str | Path, metadata: dict[str, str]) -> Path:
    """A DataFrame as Parquet (zstd) with ``eocic.*`` schema metadata, atomically."""
    import pyarrow as pa_arrow
    import pyarrow.parquet as pq

    table = pa_arrow.Table.from_pandas(frame, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta.update({f"eocic.{k}".encode(): str(v).encode() for k, v in metadata.items()})
    with atomic_path(path) as tmp:
        pq.write_table(table.replace_schema_metadata(meta), tmp, compression="zstd")
    return Path(path)


def remove_temporaries(folder: str | Path) -> int:
    """Delete the temporary files a killed run left below ``folder`` (never a finished file);
    returns how many."""
    removed = 0
    for tmp in Path(folder).rglob(".*.tmp"):
        tmp.unlink(missing_ok=True)
        removed += 1
    return removed
