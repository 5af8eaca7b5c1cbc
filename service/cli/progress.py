"""A terminal progress bar that listens to the pipeline's progress hook."""

from __future__ import annotations

from types import TracebackType

from tqdm import tqdm

STEP_NAMES = {
    "nb": {
        "decoding": "dekoder lyd",
        "transcribing": "transkriberer",
        "diarizing": "finner talere",
        "anonymizing": "anonymiserer",
    },
    "en": {
        "decoding": "decoding audio",
        "transcribing": "transcribing",
        "diarizing": "finding speakers",
        "anonymizing": "anonymising",
    },
}


class ProgressBar:
    """``with ProgressBar(label) as bar: pipeline.run(..., hook=bar)``."""

    def __init__(
        self, label: str, lang: str = "nb", enabled: bool | None = None, *, leave: bool = True
    ) -> None:
        self.names = STEP_NAMES.get(lang, STEP_NAMES["en"])
        self.bar = tqdm(
            total=1.0,
            desc=label,
            unit="s",
            disable=None if enabled is None else not enabled,  # None: only on a terminal
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s "
            "[{elapsed}<{remaining}]",
            leave=leave,
        )

    def __call__(
        self, step: str, *, completed: float | None = None, total: float | None = None
    ) -> None:
        self.bar.set_postfix_str(self.names.get(step, step), refresh=False)
        if step == "transcribing" and total:
            self.bar.total = total
            self.bar.n = completed or 0.0
            self.bar.refresh()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.bar.close()
