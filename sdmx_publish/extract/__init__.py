"""Extract: source specs and readers for national tables."""

from .readers import extract
from .spec import Spec, load_spec

__all__ = ["Spec", "extract", "load_spec"]
