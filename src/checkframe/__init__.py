"""checkframe: the open framework for work-safety inspection campaigns.

Plugins need one import::

    from checkframe import hookimpl
"""

import importlib.metadata

from checkframe.catalog import Catalog, build_catalog
from checkframe.errors import ContentError, Problem
from checkframe.hookspecs import hookimpl
from checkframe.model import (
    Checklist,
    Checkpoint,
    Document,
    FormKind,
    Group,
    HazardLevel,
    LegalBasis,
    RemediationCategory,
    RequiredField,
    Sector,
    SupervisionLevel,
)
from checkframe.plugins import load_plugins
from checkframe.registers import Register

__version__ = importlib.metadata.version("checkframe")

__all__ = [
    "Catalog",
    "Checklist",
    "Checkpoint",
    "ContentError",
    "Document",
    "FormKind",
    "Group",
    "HazardLevel",
    "LegalBasis",
    "Problem",
    "Register",
    "RemediationCategory",
    "RequiredField",
    "Sector",
    "SupervisionLevel",
    "build_catalog",
    "hookimpl",
    "load_plugins",
]
