"""The project's own exceptions: everything a user can cause is one of these, with a one-line message."""


class NarrativesError(Exception):
    """Base class for errors the user can act on."""


class InputError(NarrativesError):
    """A file (or part of one) cannot be read as articles.

    The message names the file and the reason in one line; the batch around it goes on.
    """

    def __init__(self, file_name: str, reason: str):
        self.file_name = file_name
        self.reason = reason
        super().__init__(f"{file_name}: {reason}")


class StoreError(NarrativesError):
    """The database cannot be opened or written."""
