"""Logging set-up for workflow jobs: progress lines to the rule's log file and to stderr."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

#: Third-party loggers that print one line per simulated replicate at INFO level.
_CHATTY = ("msprime", "tskit", "matplotlib", "PIL", "numba")


def job_logger(log_file: str | Path | None, name: str = "genomic_dl") -> logging.Logger:
    """Configure the root logger to write to ``log_file`` (if given) and stderr; return ``name``'s logger."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, mode="w"))
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s: %(message)s",
        handlers=handlers,
        force=True,
    )
    for chatty in _CHATTY:
        logging.getLogger(chatty).setLevel(logging.WARNING)
    logger = logging.getLogger(name)
    sys.excepthook = _log_uncaught(logger)
    return logger


def _log_uncaught(logger: logging.Logger):
    """An excepthook that writes an uncaught error and its traceback to the job's log too."""

    def hook(kind, error, traceback) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, traceback)
            return
        logger.error("job failed: %s: %s", kind.__name__, error, exc_info=(kind, error, traceback))

    return hook
