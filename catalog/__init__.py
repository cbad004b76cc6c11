"""What atlens knows about Activity Tracker events: the catalog of actions and fields, and explain().

Pure Python and data (catalog/data/*.toml); imports neither textual nor rich.
"""

from .explain import explain
from .loader import Catalog, CatalogError, default, load
from .model import Action, Explanation, FieldDoc, Finding, Note, Service

__all__ = ["Action", "Catalog", "CatalogError", "Explanation", "FieldDoc", "Finding", "Note", "Service",
           "default", "explain", "load"]
