"""The plugin manager: hook specs, built-in plugins and entry points.

Entry points of the group ``checkframe`` are loaded one by one, so that a
plugin that fails to import, or that implements a misspelled hook, is
reported by name and distribution without taking the others down.  The
environment variable ``CHECKFRAME_LOAD_PLUGINS`` (comma-separated entry-point
names; empty loads none) restricts which are loaded; built-in plugins always
load.

A plugin whose distribution requires a checkframe other than the one running
(``Requires-Dist: checkframe>=2``, which ``pip install --no-deps`` or a copied
folder lets through) is refused by name before it is imported, with one line
saying which to upgrade; so is content written for a content format this
checkframe does not read (see :func:`checkframe.content.check_content_format`).
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata
import os
from collections.abc import Mapping
from types import ModuleType

import attrs
import pluggy
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from checkframe import hookspecs
from checkframe.content import Problem

__all__ = ["BUILTIN_PLUGINS", "ENV_ALLOWLIST", "PluginInfo", "Plugins", "get_plugin_manager", "load_plugins"]

ENTRY_POINT_GROUP = "checkframe"
ENV_ALLOWLIST = "CHECKFRAME_LOAD_PLUGINS"

#: Modules that ship with checkframe and register through the same hooks as any plugin.
BUILTIN_PLUGINS = ("checkframe.builtin.remediation",)


@attrs.frozen
class PluginInfo:
    """A registered plugin, as ``checkframe plugins`` lists it."""

    name: str
    distribution: str
    version: str
    builtin: bool = False

    def label(self) -> str:
        if self.builtin:
            return f"{self.name} (built in)"
        if not self.distribution:
            return self.name  # registered directly, as tests do
        return f"{self.name} ({self.distribution} {self.version})"


@attrs.define
class Plugins:
    """A plugin manager with what was loaded and what failed to load."""

    pm: pluggy.PluginManager
    infos: dict[str, PluginInfo] = attrs.Factory(dict)
    problems: list[Problem] = attrs.Factory(list)
    #: Entry points present but left out by ``CHECKFRAME_LOAD_PLUGINS``.
    skipped: list[str] = attrs.Factory(list)

    def info(self, name: str) -> PluginInfo:
        return self.infos[name]


def get_plugin_manager() -> pluggy.PluginManager:
    """A plugin manager with checkframe's hook specs and nothing registered."""
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    return pm


def _unknown_hooks(plugin: object) -> list[str]:
    known = [name for name in dir(hookspecs) if name.startswith("checkframe_")]
    messages = []
    for name in dir(plugin):
        if not name.startswith("checkframe_") or name in known:
            continue
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; hooks are {', '.join(known)}"
        messages.append(f"unknown hook {name!r}{hint}")
    return messages


def _register(plugins: Plugins, plugin: object, info: PluginInfo) -> None:
    pm = plugins.pm
    unknown = _unknown_hooks(plugin)
    if unknown:
        for message in unknown:
            plugins.problems.append(Problem(info.label(), message))
        return
    try:
        pm.register(plugin, name=info.name)
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        if pm.is_registered(plugin):
            pm.unregister(plugin)
        plugins.problems.append(Problem(info.label(), f"invalid hook implementation: {exc}"))
        return
    plugins.infos[info.name] = info


def core_requirement_problem(dist: importlib.metadata.Distribution | None, running: str) -> str | None:
    """What is wrong when ``dist`` requires a checkframe that ``running`` does not satisfy; else None."""
    if dist is None:
        return None
    for line in dist.requires or []:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if canonicalize_name(requirement.name) != hookspecs.PROJECT_NAME:
            continue
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        if not requirement.specifier.contains(running, prereleases=True):
            name = dist.metadata["Name"]
            return (
                f"plugin refused: it requires checkframe{requirement.specifier}, but checkframe {running} is running; "
                f"upgrade checkframe (pip install -U 'checkframe{requirement.specifier}') "
                f"or install a version of {name} made for checkframe {running}"
            )
    return None


def _allowlist(environ: Mapping[str, str]) -> set[str] | None:
    if ENV_ALLOWLIST not in environ:
        return None
    return {name.strip() for name in environ[ENV_ALLOWLIST].split(",") if name.strip()}


def load_plugins(
    environ: Mapping[str, str] | None = None,
    extra: Mapping[str, ModuleType | object] | None = None,
) -> Plugins:
    """Build the plugin manager and register built-in and installed plugins.

    :param environ: where ``CHECKFRAME_LOAD_PLUGINS`` is looked up; defaults to
        ``os.environ``.
    :param extra: plugins registered by name after the entry points, as tests do.
    """
    environ = os.environ if environ is None else environ
    plugins = Plugins(get_plugin_manager())
    version = importlib.metadata.version("checkframe")
    for module_name in BUILTIN_PLUGINS:
        module = importlib.import_module(module_name)
        _register(plugins, module, PluginInfo(module_name, "checkframe", version, builtin=True))

    allowed = _allowlist(environ)
    entry_points = sorted(
        importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name
    )
    for ep in entry_points:
        dist = ep.dist
        info = PluginInfo(
            ep.name,
            dist.metadata["Name"] if dist else "?",
            dist.version if dist else "?",
        )
        if allowed is not None and ep.name not in allowed:
            plugins.skipped.append(ep.name)
            continue
        if ep.name in plugins.infos:
            plugins.problems.append(
                Problem(info.label(), f"entry point name {ep.name!r} is already taken by "
                        f"{plugins.infos[ep.name].label()}; rename one of them")
            )
            continue
        refused = core_requirement_problem(dist, version)
        if refused:
            plugins.problems.append(Problem(info.label(), refused))
            continue
        try:
            plugin = ep.load()
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not take the others down
            plugins.problems.append(
                Problem(info.label(), f"cannot be loaded ({ep.value}): {type(exc).__name__}: {exc}")
            )
            continue
        _register(plugins, plugin, info)

    for name, plugin in (extra or {}).items():
        _register(plugins, plugin, PluginInfo(name, "", ""))
    return plugins

