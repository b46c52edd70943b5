"""Types of the compiled SQLite range reader (`_verify_sqlite.c`); absent when not built."""

def walk_range(
    uri: str,
    first: int,
    last: int,
    link: str | None,
    chunk_rows: int,
    top: int,
    sizes: list[int],
) -> tuple[int, str, str, dict[int, str], int, list[bytes]] | bool | None: ...
