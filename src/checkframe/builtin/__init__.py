"""Plugins that ship with checkframe and register through the same hooks as any other."""
