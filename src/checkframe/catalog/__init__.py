"""The catalog wing: content read from the plugins, cross-checked, exported, compared.

::

    convert.py   the cattrs converter and its messages
    content.py   content folders (sector.toml, checkpoints/*.toml, ...)
    catalog.py   the Catalog value, the hook loop and the cross-checks
    export.py    JSON export and import
    diff.py      what changed between two catalogs
    schema.py    JSON Schema of the content files
"""

from checkframe.catalog.catalog import Catalog, build_catalog, gather
from checkframe.catalog.export import catalog_from_json, catalog_to_json

__all__ = ["Catalog", "build_catalog", "catalog_from_json", "catalog_to_json", "gather"]
