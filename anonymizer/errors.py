"""The one error callers need: something the anonymiser needs is not installed."""


class ResourceMissing(RuntimeError):
    """A spaCy pipeline, system tool or word list is missing; the message says what to install."""
