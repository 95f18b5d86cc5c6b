"""Data-only serialisation of fitted objects for the fit cache: JSON plus numeric arrays.

Why not pickle: unpickling runs whatever code the file names, so anyone able to write to a cache
folder (a shared ``--cache-dir``, a synced home) could run code as the user on the next run.
Here a file holds a JSON tree and numeric ``.npy`` arrays in one uncompressed ``.npz`` archive,
whose members are parsed here (header checked against the member's size, object dtypes refused)
rather than by ``numpy.load``.  The decoder builds only

* JSON scalars, lists, tuples and dicts,
* numeric, boolean or fixed-width text arrays (never object arrays),
* pandas ``Series``/``DataFrame`` with integer, float, text, range or monthly-period indexes,
* frozen dataclasses and functions that impact itself registered with :func:`register` and
  :func:`register_function` (looked up by name in those registries; nothing is imported by name).

Anything else in a file is an error (:class:`FormatError`), which the cache treats as a miss.
This module is a leaf: it imports nothing from impact.
"""
from __future__ import annotations

import dataclasses
import io
import json
import math
import zipfile
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

FORMAT = "impact-serial-1"
META = "__meta__"

_CLASSES: dict[str, type] = {}
_SKIP: dict[str, tuple[str, ...]] = {}
_AFTER: dict[str, Callable[[Any], Any]] = {}
_FUNCTIONS: dict[str, Callable[..., Any]] = {}
_FUNCTION_NAMES: dict[int, str] = {}


class FormatError(ValueError):
    """The bytes are not an entry this module wrote (corrupt, forged or from another version)."""


def register(cls: type | None = None, *, skip: tuple[str, ...] = (), after_load: Callable[[Any], Any] | None = None
             ) -> Any:
    """Class decorator: allow a frozen dataclass in cache files.  ``skip`` names fields that are not
    stored (they get their default); ``after_load`` may rebuild them from the stored ones."""

    def wrap(c: type) -> type:
        if not dataclasses.is_dataclass(c):
            raise TypeError(f"{c.__name__} is not a dataclass")
        _CLASSES[c.__qualname__] = c
        _SKIP[c.__qualname__] = skip
        if after_load is not None:
            _AFTER[c.__qualname__] = after_load
        return c

    return wrap(cls) if cls is not None else wrap


def register_function(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Function decorator: allow a reference to ``fn`` (e.g. the builder that rebuilds a statsmodels
    result from cached parameters) in cache files.  Stored by name, resolved only here."""
    name = f"{fn.__module__}:{fn.__qualname__}"
    _FUNCTIONS[name] = fn
    _FUNCTION_NAMES[id(fn)] = name
    return fn


# ----------------------------------------------------------------------------- encoding
def dumps(obj: Any) -> bytes:
    """``obj`` as the bytes of an ``.npz`` archive (raises TypeError for anything not allowed)."""
    arrays: list[np.ndarray] = []
    tree = _enc(obj, arrays)
    meta = json.dumps({"format": FORMAT, "tree": tree}, allow_nan=True, separators=(",", ":")).encode("utf-8")
    buf = io.BytesIO()
    np.savez(buf, **{META: np.frombuffer(meta, dtype=np.uint8)}, **{f"a{i}": a for i, a in enumerate(arrays)})
    return buf.getvalue()


def _array(a: np.ndarray, arrays: list[np.ndarray]) -> dict[str, Any]:
    if a.dtype.kind not in "biufcU":
        raise TypeError(f"array of dtype {a.dtype} cannot be stored")
    arrays.append(np.ascontiguousarray(a))
    return {"$": "nd", "i": len(arrays) - 1}


def _float(x: float) -> Any:
    return x if math.isfinite(x) else {"$": "float", "v": repr(x)}


def _index(idx: pd.Index, arrays: list[np.ndarray]) -> dict[str, Any]:
    name = idx.name if idx.name is None or isinstance(idx.name, str) else str(idx.name)
    if isinstance(idx, pd.RangeIndex):
        return {"$": "range", "start": idx.start, "stop": idx.stop, "step": idx.step, "name": name}
    if isinstance(idx, pd.PeriodIndex):
        return {"$": "period", "freq": idx.freqstr, "v": _array(idx.asi8.copy(), arrays), "name": name}
    if idx.dtype.kind in "iuf":
        return {"$": "index", "v": _array(idx.to_numpy(), arrays), "name": name}
    values = list(idx)
    if all(isinstance(v, str) for v in values):
        return {"$": "index", "s": values, "name": name, "object": idx.dtype == object}
    raise TypeError(f"index of dtype {idx.dtype} cannot be stored")


def _enc(obj: Any, arrays: list[np.ndarray]) -> Any:
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, np.integer)) and not isinstance(obj, bool):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return _float(float(obj))
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.ndarray):
        return _array(obj, arrays)
    if isinstance(obj, pd.Series):
        if obj.dtype.kind not in "biuf":
            raise TypeError(f"Series of dtype {obj.dtype} cannot be stored")
        name = obj.name if obj.name is None or isinstance(obj.name, str) else str(obj.name)
        return {"$": "series", "v": _array(obj.to_numpy(), arrays), "index": _index(obj.index, arrays), "name": name}
    if isinstance(obj, pd.DataFrame):
        if any(dt.kind not in "biuf" for dt in obj.dtypes):
            raise TypeError("DataFrame with non-numeric columns cannot be stored")
        return {"$": "frame", "cols": [_array(obj.iloc[:, j].to_numpy(), arrays) for j in range(obj.shape[1])],
                "index": _index(obj.index, arrays), "columns": _index(obj.columns, arrays)}
    if isinstance(obj, tuple):
        return {"$": "tuple", "v": [_enc(x, arrays) for x in obj]}
    if isinstance(obj, list):
        return {"$": "list", "v": [_enc(x, arrays) for x in obj]}
    if isinstance(obj, dict) or _is_mapping(obj):
        return {"$": "dict", "k": [_enc(k, arrays) for k in obj], "v": [_enc(v, arrays) for v in obj.values()]}
    if dataclasses.is_dataclass(obj) and type(obj).__qualname__ in _CLASSES \
            and _CLASSES[type(obj).__qualname__] is type(obj):
        name = type(obj).__qualname__
        skip = _SKIP[name]
        fields = {f.name: _enc(getattr(obj, f.name), arrays) for f in dataclasses.fields(obj)
                  if f.name not in skip and f.init}
        return {"$": "dc", "cls": name, "f": fields}
    if callable(obj) and id(obj) in _FUNCTION_NAMES:
        return {"$": "fn", "name": _FUNCTION_NAMES[id(obj)]}
    raise TypeError(f"{type(obj).__name__} cannot be stored in the fit cache")


def _is_mapping(obj: Any) -> bool:
    from collections.abc import Mapping

    return isinstance(obj, Mapping)


# ----------------------------------------------------------------------------- decoding
MAX_ENTRY_BYTES = 256 * 2**20  # no fit is near this; a larger file is not ours


def _read_arrays(data: bytes) -> dict[str, np.ndarray]:
    """The members of an uncompressed ``.npz`` archive, checked before anything is allocated: stored
    (not deflated) members, ``.npy`` headers whose shape matches the member's size, no object dtype."""
    if len(data) > MAX_ENTRY_BYTES:
        raise FormatError("entry too large")
    out: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            if info.compress_type != zipfile.ZIP_STORED or info.file_size > MAX_ENTRY_BYTES \
                    or not info.filename.endswith(".npy"):
                raise FormatError(f"unexpected member {info.filename!r}")
            raw = zf.read(info)  # checks the CRC
            fp = io.BytesIO(raw)
            version = np.lib.format.read_magic(fp)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp)
            else:
                raise FormatError("unsupported .npy version")
            if dtype.hasobject or dtype.kind not in "biufcU":
                raise FormatError(f"array of dtype {dtype}")
            count = math.prod(shape)
            body = raw[fp.tell():]
            if count * dtype.itemsize != len(body):
                raise FormatError("array size does not match its header")
            arr = np.frombuffer(body, dtype=dtype, count=count)
            out[info.filename[:-4]] = arr.reshape(shape, order="F" if fortran else "C").copy()
    return out


def loads(data: bytes) -> Any:
    """The object :func:`dumps` stored; :class:`FormatError` for anything else."""
    try:
        arrays = _read_arrays(data)
        if META not in arrays:
            raise FormatError("no metadata")
        meta_arr = arrays.pop(META)
        if meta_arr.dtype != np.uint8 or meta_arr.ndim != 1:
            raise FormatError("bad metadata")
        meta = json.loads(meta_arr.tobytes().decode("utf-8"))
    except FormatError:
        raise
    except (ValueError, OSError, zipfile.BadZipFile, EOFError, UnicodeDecodeError, KeyError, RecursionError) as exc:
        raise FormatError(f"{type(exc).__name__}: {exc}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise FormatError("unknown format")
    try:
        return _Decoder(arrays).dec(meta.get("tree"))
    except FormatError:
        raise
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        raise FormatError(f"{type(exc).__name__}: {exc}") from None


class _Decoder:
    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.arrays = arrays

    def array(self, node: Any) -> np.ndarray:
        if not (isinstance(node, dict) and node.get("$") == "nd" and isinstance(node.get("i"), int)):
            raise FormatError("expected an array reference")
        a = self.arrays[f"a{node['i']}"]
        if a.dtype.kind not in "biufcU":
            raise FormatError(f"array of dtype {a.dtype}")
        return a

    def index(self, node: Any) -> pd.Index:
        if not isinstance(node, dict):
            raise FormatError("expected an index")
        name = node.get("name")
        if name is not None and not isinstance(name, str):
            raise FormatError("index name must be text")
        kind = node.get("$")
        if kind == "range":
            parts = [node.get(k) for k in ("start", "stop", "step")]
            if not all(isinstance(x, int) and not isinstance(x, bool) for x in parts):
                raise FormatError("bad range index")
            return pd.RangeIndex(*parts, name=name)
        if kind == "period":
            freq = node.get("freq")
            if freq not in ("M", "Q", "Y", "A-DEC", "Y-DEC", "Q-DEC"):
                raise FormatError("unsupported period frequency")
            ords = self.array(node["v"])
            if ords.dtype.kind not in "iu":
                raise FormatError("period ordinals must be integers")
            return pd.PeriodIndex.from_ordinals(ords.astype(np.int64), freq=freq, name=name)
        if kind == "index":
            if "s" in node:
                values = node["s"]
                if not (isinstance(values, list) and all(isinstance(v, str) for v in values)):
                    raise FormatError("text index must hold text")
                return pd.Index(values, dtype=object if node.get("object") is True else None, name=name)
            return pd.Index(self.array(node["v"]), name=name)
        raise FormatError("unknown index kind")

    def dec(self, node: Any) -> Any:
        if node is None or isinstance(node, (bool, int, str, float)):
            return node
        if isinstance(node, list):  # only produced inside tagged nodes; a bare list is not ours
            raise FormatError("untagged list")
        if not isinstance(node, dict):
            raise FormatError("unexpected value")
        kind = node.get("$")
        handler = self._KINDS.get(kind) if isinstance(kind, str) else None
        if handler is None:
            raise FormatError(f"unknown node kind {kind!r}")
        return handler(self, node)

    def _float(self, node: dict[str, Any]) -> float:
        if node.get("v") not in ("nan", "inf", "-inf"):
            raise FormatError("bad float")
        return float(node["v"])

    def _sequence(self, node: dict[str, Any]) -> list[Any] | tuple[Any, ...]:
        items = node.get("v")
        if not isinstance(items, list):
            raise FormatError("bad sequence")
        out = [self.dec(x) for x in items]
        return tuple(out) if node["$"] == "tuple" else out

    def _dict(self, node: dict[str, Any]) -> dict[Any, Any]:
        keys, values = node.get("k"), node.get("v")
        if not (isinstance(keys, list) and isinstance(values, list) and len(keys) == len(values)):
            raise FormatError("bad mapping")
        out = {}
        for k, v in zip(keys, values):
            key = self.dec(k)
            if not isinstance(key, (str, int, float, bool, type(None), tuple)):
                raise FormatError("unhashable key")
            out[key] = self.dec(v)
        return out

    def _series(self, node: dict[str, Any]) -> pd.Series:
        values = self.array(node["v"])
        index = self.index(node["index"])
        name = node.get("name")
        if name is not None and not isinstance(name, str):
            raise FormatError("series name must be text")
        if values.ndim != 1 or len(values) != len(index):
            raise FormatError("series length mismatch")
        return pd.Series(values, index=index, name=name)

    def _frame(self, node: dict[str, Any]) -> pd.DataFrame:
        cols = node.get("cols")
        if not isinstance(cols, list):
            raise FormatError("bad frame")
        index, columns = self.index(node["index"]), self.index(node["columns"])
        data = [self.array(c) for c in cols]
        if len(data) != len(columns) or any(d.ndim != 1 or len(d) != len(index) for d in data):
            raise FormatError("frame shape mismatch")
        df = pd.DataFrame(dict(enumerate(data)), index=index)
        df.columns = columns
        return df

    def _dataclass(self, node: dict[str, Any]) -> Any:
        name = node.get("cls")
        cls = _CLASSES.get(name) if isinstance(name, str) else None
        fields = node.get("f")
        if cls is None or not isinstance(fields, dict):
            raise FormatError(f"class {name!r} is not allowed")
        allowed = {f.name for f in dataclasses.fields(cls) if f.init and f.name not in _SKIP[name]}
        if set(fields) - allowed:
            raise FormatError(f"unknown fields for {name}")
        obj = cls(**{k: self.dec(v) for k, v in fields.items()})
        after = _AFTER.get(name)
        return after(obj) if after is not None else obj

    def _function(self, node: dict[str, Any]) -> Callable[..., Any]:
        fn = _FUNCTIONS.get(node.get("name"))  # type: ignore[arg-type]
        if fn is None:
            raise FormatError(f"function {node.get('name')!r} is not allowed")
        return fn

    _KINDS: dict[str, Callable[[Any, dict[str, Any]], Any]] = {
        "float": _float, "nd": lambda self, node: self.array(node), "tuple": _sequence, "list": _sequence,
        "dict": _dict, "series": _series, "frame": _frame, "dc": _dataclass, "fn": _function,
    }
