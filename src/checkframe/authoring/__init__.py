"""Tools for plugin authors: ``checkframe new-plugin`` (scaffold)."""
