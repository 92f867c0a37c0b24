"""Errors a user can act on.

Raise :class:`UserError` with a message that says what went wrong *and what to do*; the CLI prints it without a
traceback and exits with its ``exit_code``. Never put a secret value in the message.
"""

from __future__ import annotations


class UserError(Exception):
    exit_code = 1

    def __init__(self, message: str, hint: str | None = None, exit_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  -> {self.hint}"


def user_errors(func):
    """Decorator for CLI commands: a :class:`UserError` becomes a red message and its exit code, no traceback.

    Use it on every command so ``CliRunner`` tests and the real console see the same behaviour.
    """
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        import typer

        try:
            return func(*args, **kwargs)
        except UserError as exc:
            typer.secho(f"error: {exc}", fg="red", err=True)
            raise typer.Exit(exc.exit_code) from None

    return wrapper
