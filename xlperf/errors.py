"""A small exception tree; the CLI and the Excel macros turn each into a one-line Chinese message."""


class XlperfError(Exception):
    """Base of every error xlperf raises on purpose. ``str(exc)`` is a Chinese sentence for users."""


class PresetError(XlperfError):
    """A preset name that does not exist or a preset file that is malformed."""


class ReadError(XlperfError):
    """A file that cannot be read as a workbook of this form (corrupt, encrypted, not this form)."""


class OutputError(XlperfError):
    """An output that cannot be written (would overwrite an input, folder missing, ...)."""


class LayoutError(XlperfError):
    """A layout file (a province's form as data) that is malformed."""
