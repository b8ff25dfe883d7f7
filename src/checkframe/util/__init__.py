"""Helpers that know nothing of the domain: atomic files (fs), tables for people and tools (tables), the process
pool (parallel)."""
