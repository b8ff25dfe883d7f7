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
checkframe does not read (see :func:`checkframe.catalog.content.check_content_format`).

Hooks are called plugin by plugin through pluggy (:func:`call_each`), in the
order pluggy calls them: ``tryfirst`` implementations first, ``trylast`` last,
otherwise built-in plugins first, then the installed ones by entry-point name,
then plugins registered directly.  pluggy's tracing
(``pm.trace.root.setwriter``) and call monitoring see every call.  A hook
wrapper cannot wrap one plugin's call on its own, so a plugin that declares
one is refused by name.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
from collections.abc import Callable, Iterator, Mapping
from types import ModuleType
from typing import Any

import attrs
import pluggy
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from checkframe import hookspecs
from checkframe.errors import Problem, did_you_mean, raised_at, traceback_of

__all__ = [
    "BUILTIN_PLUGINS",
    "ENV_ALLOWLIST",
    "HookFailure",
    "PluginInfo",
    "Plugins",
    "call_each",
    "get_plugin_manager",
    "load_plugins",
    "unplugged_distributions",
]

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
    #: What works but is probably a mistake, such as a plugin that implements no hook; printed, not fatal.
    warnings: list[Problem] = attrs.Factory(list)

    def info(self, name: str) -> PluginInfo:
        return self.infos[name]


def get_plugin_manager() -> pluggy.PluginManager:
    """A plugin manager with checkframe's hook specs and nothing registered."""
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    return pm


def hook_names(pm: pluggy.PluginManager) -> list[str]:
    """The name of every hook the plugin manager has a spec for, from every module of specs it was given."""
    return sorted(name for name, caller in vars(pm.hook).items()
                  if name.startswith("checkframe_") and getattr(caller, "spec", None) is not None)


def _unknown_hooks(plugin: object, known: list[str]) -> list[str]:
    messages = []
    for name in dir(plugin):
        if not name.startswith("checkframe_") or name in known:
            continue
        hint = did_you_mean(name, known, f"; hooks are {', '.join(known)}")
        messages.append(f"unknown hook {name!r}{hint}")
    return messages


def _wrappers(plugin: object) -> list[str]:
    messages = []
    for name in dir(plugin):
        if not name.startswith("checkframe_"):
            continue
        options = getattr(getattr(plugin, name, None), f"{hookspecs.PROJECT_NAME}_impl", None)
        if isinstance(options, dict) and (options.get("wrapper") or options.get("hookwrapper")):
            messages.append(
                f"hook {name} is declared as a wrapper, which checkframe does not call: each plugin's hook is "
                "called on its own; remove wrapper=True (or hookwrapper=True) from its @hookimpl"
            )
    return messages


def _undecorated(plugin: object) -> list[str]:
    """Hook functions that pluggy would skip without a word: named as a hook, but not marked ``@hookimpl``."""
    messages = []
    marker = f"{hookspecs.PROJECT_NAME}_impl"
    for name in dir(plugin):
        function = getattr(plugin, name, None)
        if not name.startswith("checkframe_") or not callable(function) or hasattr(function, marker):
            continue
        messages.append(
            f"{name}{where(function)} is not marked as a hook, so checkframe would never call it; "
            "put @hookimpl (from checkframe import hookimpl) on the line above its def"
        )
    return messages


def where(function: object) -> str:
    """`` (at path/to/file.py:12)`` for a function defined in Python source, else nothing."""
    code = getattr(function, "__code__", None)
    return f" (at {code.co_filename}:{code.co_firstlineno})" if code is not None else ""


def _problems_of(plugin: object, known: list[str]) -> list[str]:
    """Why ``plugin`` cannot be registered before pluggy sees it: misspelled or unmarked hooks, wrappers."""
    return _unknown_hooks(plugin, known) or _undecorated(plugin) or _wrappers(plugin)


def _register(plugins: Plugins, plugin: object, info: PluginInfo) -> Problem | None:
    pm = plugins.pm
    try:
        pm.register(plugin, name=info.name)
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        if pm.is_registered(plugin):
            pm.unregister(plugin)
        return Problem(info.label(), f"invalid hook implementation: {exc}")
    return None


def _register_all(plugins: Plugins, candidates: list[tuple[object, PluginInfo]]) -> None:
    """Register ``candidates`` so that pluggy calls them in the order given (it calls the last registered first).

    Problems are reported, and plugins listed, in the order given.
    """
    found: dict[str, list[Problem]] = {}
    known = hook_names(plugins.pm)
    for plugin, info in candidates:
        found[info.name] = [Problem(info.label(), message) for message in _problems_of(plugin, known)]
    for plugin, info in reversed(candidates):
        if not found[info.name]:
            problem = _register(plugins, plugin, info)
            if problem is not None:
                found[info.name].append(problem)
    for plugin, info in candidates:
        plugins.problems.extend(found[info.name])
        if not found[info.name]:
            plugins.infos[info.name] = info
            if not plugins.pm.get_hookcallers(plugin):
                plugins.warnings.append(Problem(info.label(), _NO_HOOK))


_NO_HOOK = (
    "contributes nothing: it implements no checkframe hook; the entry point must name the module "
    "that holds the @hookimpl functions (such as checkframe_register_content)"
)


@attrs.frozen
class HookFailure:
    """A plugin whose hook raised: the problem names the plugin, its distribution and the exception."""

    info: PluginInfo
    exception: Exception

    def problem(self, hook: str) -> Problem:
        exc = self.exception
        return Problem(self.info.label(), f"hook {hook} raised {type(exc).__name__}: {exc}{raised_at(exc)}",
                       traceback=traceback_of(exc))


def call_each(
    plugins: Plugins, hook: str, make_kwargs: Callable[[PluginInfo], dict[str, Any]],
) -> Iterator[tuple[PluginInfo, dict[str, Any], HookFailure | None]]:
    """Call ``hook`` plugin by plugin, in pluggy's order, each with arguments of its own.

    For each plugin that implements the hook, yields its info, the arguments it
    was given (``make_kwargs(info)``) and, when its implementation raised, a
    :class:`HookFailure`: one plugin's error never stops the others.  The calls
    go through pluggy (a hook caller for that plugin alone), so tracing and
    call monitoring see them.
    """
    pm = plugins.pm
    caller = getattr(pm.hook, hook)
    impls = [impl for impl in reversed(caller.get_hookimpls()) if not (impl.wrapper or impl.hookwrapper)]
    everyone = [impl.plugin for impl in impls]
    for impl in impls:
        info = plugins.info(impl.plugin_name)
        kwargs = make_kwargs(info)
        alone = pm.subset_hook_caller(hook, remove_plugins=[p for p in everyone if p is not impl.plugin])
        try:
            alone(**kwargs)
        except Exception as exc:  # noqa: BLE001 - one plugin must not take the others down
            yield info, kwargs, HookFailure(info, exc)
            continue
        yield info, kwargs, None


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


def unplugged_distributions() -> list[Problem]:
    """Installed distributions that require checkframe but declare no ``checkframe`` entry point.

    Such a distribution is almost always a plugin whose entry point is missing or
    in a misspelled group (``checkframe_plugins``, ``checkframe.plugins``); each
    is one warning saying what to write in its ``pyproject.toml``.
    """
    warnings = []
    seen: set[str] = set()
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"] or ""
        canonical = canonicalize_name(name)
        if not name or canonical == hookspecs.PROJECT_NAME or canonical in seen:
            continue
        seen.add(canonical)
        requires = []
        for line in dist.requires or []:
            try:
                requires.append(canonicalize_name(Requirement(line).name))
            except InvalidRequirement:
                continue
        if hookspecs.PROJECT_NAME not in requires:
            continue
        groups = {ep.group for ep in dist.entry_points}
        if ENTRY_POINT_GROUP in groups:
            continue
        near = [g for g in sorted(groups) if hookspecs.PROJECT_NAME in g.lower().replace("-", "_")]
        found = (f"its entry points are in the group {near[0]!r}, which checkframe does not read"
                 if near else "it declares no checkframe entry point")
        warnings.append(Problem(
            f"{name} {dist.version}",
            f"requires checkframe but is not a plugin: {found}; if it is one, write "
            f"[project.entry-points.checkframe] with SECTOR_ID = \"its_module\" in its pyproject.toml "
            "and reinstall it",
        ))
    return warnings


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
    candidates: list[tuple[object, PluginInfo]] = []
    for module_name in BUILTIN_PLUGINS:
        module = importlib.import_module(module_name)
        candidates.append((module, PluginInfo(module_name, "checkframe", version, builtin=True)))

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
        taken = next((other for _, other in candidates if other.name == ep.name), None)
        if taken is not None:
            plugins.problems.append(
                Problem(info.label(), f"entry point name {ep.name!r} is already taken by "
                        f"{taken.label()}; rename one of them")
            )
            continue
        refused = core_requirement_problem(dist, version)
        if refused:
            plugins.problems.append(Problem(info.label(), refused))
            continue
        try:
            plugin = ep.load()
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not take the others down
            plugins.problems.append(Problem(
                info.label(), f"cannot be loaded ({ep.value}): {type(exc).__name__}: {exc}{raised_at(exc)}",
                traceback=traceback_of(exc),
            ))
            continue
        candidates.append((plugin, info))

    installed = [ep.name for ep in entry_points]
    for name in sorted((allowed or set()) - set(installed)):
        # Said, not ignored: a misspelt name would otherwise load fewer plugins than meant without a word.
        hint = did_you_mean(name, installed, f"; installed: {', '.join(installed) or 'none'}")
        plugins.problems.append(Problem("", f"{ENV_ALLOWLIST} names {name!r}, but no installed plugin has that name{hint}"))
    for name, plugin in (extra or {}).items():
        candidates.append((plugin, PluginInfo(name, "", "")))
    _register_all(plugins, candidates)
    return plugins

