"""Load a YAML file into a pydantic model; a bad file ends in one line naming file, line, field."""

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from leadreview.errors import InputFileError
from leadreview.io.limits import check_yaml_text, read_limited

ModelT = TypeVar("ModelT", bound=BaseModel)


def read_bytes(path: Path, what: str) -> bytes:
    # Size-limited, and never a FIFO or a device (see io/limits.py).
    return read_limited(path, what)


def _line_of(root: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """The 1-based line of the deepest node of `loc` that exists in the YAML tree."""
    node = root
    line = None if node is None else node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if getattr(k, "value", None) == str(part)), None)
            if match is None:
                break
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
        else:
            break
        line = node.start_mark.line + 1
    return line


def _field_name(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc) if loc else "(top level)"


def parse_model(data: bytes, path: Path, model: type[ModelT], what: str) -> ModelT:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputFileError(f"{path}: {what} file is not UTF-8 text") from None
    check_yaml_text(text, path)
    try:
        raw: Any = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise InputFileError(f"{path}:{where}: {problem}") from None
    if not isinstance(raw, dict):
        raise InputFileError(f"{path}: a {what} file must be a YAML mapping of fields")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        line = _line_of(root, loc)
        where = f" line {line}:" if line is not None else ""
        more = len(exc.errors()) - 1
        tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        raise InputFileError(
            f"{path}:{where} field {_field_name(loc)!r}: {first['msg']}{tail}"
        ) from None


def load_model(path: Path, model: type[ModelT], what: str) -> ModelT:
    return parse_model(read_bytes(path, what), path, model, what)
