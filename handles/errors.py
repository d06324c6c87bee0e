"""The one error tree of the notification language.

Everything `handles` raises on bad or hostile input is a `TemplateError`, so a
caller translates one exception type at its edge.
"""

from __future__ import annotations


class TemplateError(Exception):
    """A template cannot be parsed or rendered; `line`/`col` say where (1-based)."""

    def __init__(self, message: str, line: int = 0, col: int = 0) -> None:
        self.message = message
        self.line = line
        self.col = col
        where = f"line {line}, column {col}: " if line else ""
        super().__init__(f"{where}{message}")


class TemplateSyntaxError(TemplateError):
    """The text is not a well-formed template. `line` and `col` are always >= 1.

    `code` names the kind of problem for tools (`unclosed-block`,
    `mismatched-block`, `unopened-block`, `syntax`); `suggestion`, when set,
    says how to fix it.
    """

    def __init__(
        self,
        message: str,
        line: int,
        col: int,
        *,
        code: str = "syntax",
        suggestion: str | None = None,
    ) -> None:
        super().__init__(message, line, col)
        self.code = code
        self.suggestion = suggestion
