"""One family of errors the user can act on.

Front ends map :class:`PimdeskError` to a one-line message (CLI: stderr and exit code 1;
GUI: a dialog). Anything else escaping a service is a bug and is shown as such.
"""

from __future__ import annotations

from dataclasses import dataclass


class PimdeskError(Exception):
    """An error caused by input or data, with enough context for the user to fix it.

    ``where`` names the file, row, column or field; ``hint`` says what to do.
    """

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.hint:
            text = f"{text} ({self.hint})"
        return text


class LibraryError(PimdeskError):
    """The library folder or its catalog cannot be opened or used."""


class LibraryLockedError(LibraryError):
    """Another pimdesk instance holds the library."""


class NotFoundError(PimdeskError):
    """A SKU, code or id that does not exist."""


class ValidationError(PimdeskError):
    """A value that breaks an attribute's or a channel's rules."""


class ValuesInvalid(ValidationError):
    """Several values of one row or one edit are invalid; ``errors`` keeps each one."""

    def __init__(self, errors: list[ValidationError]):
        first = errors[0]
        super().__init__(first.message, where=first.where, hint=first.hint)
        self.errors = errors

    def __str__(self) -> str:
        return f"{len(self.errors)} values are invalid: " + "; ".join(map(str, self.errors))


@dataclass(frozen=True)
class RowError:
    """One rejected input row: where it was and why, for import reports."""

    row: int
    column: str | None
    message: str
    identifier: str | None = None

    def __str__(self) -> str:
        column = f", column {self.column!r}" if self.column else ""
        return f"row {self.row}{column}: {self.message}"


class ImportFailed(PimdeskError):
    """An import rejected rows and was rolled back as a whole."""

    def __init__(self, source: str, errors: list[RowError]):
        first = errors[0] if errors else None
        more = f" and {len(errors) - 1} more" if len(errors) > 1 else ""
        message = f"{first}{more}; nothing was imported" if first else "nothing was imported"
        super().__init__(
            message,
            where=source,
            hint="fix the rows, or use --skip-invalid to import only the valid ones",
        )
        self.errors = errors
