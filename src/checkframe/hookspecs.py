"""Every hook that checkframe calls, in the order it calls them.

Content and handbook hooks register what a plugin contributes; the command hook
adds commands; the build events let a plugin check the whole catalog, add
files of its own to the handbook, and act on the written site.

A plugin implements a hook by defining a function of the same name decorated
with :data:`checkframe.hookimpl`; it may accept any subset of the parameters
listed here.  A function whose name starts with ``checkframe_`` but matches no
hook below stops checkframe at start-up, naming the plugin, so that a typo
never passes silently.

A minimal sector plugin::

    from pathlib import Path
    from checkframe import hookimpl

    @hookimpl
    def checkframe_register_content(register):
        register.content_dir(Path(__file__).parent / "content")

and in the distribution's ``pyproject.toml``::

    [project.entry-points.checkframe]
    gas = "checkframe_gas"
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from checkframe.registers import (
        BuildFiles,
        CommandRegister,
        FormRegister,
        LedgerRegister,
        Register,
        SiteRegister,
    )

PROJECT_NAME = "checkframe"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# -- Content phase: called once each time the catalog is built ---------------------------


@hookspec
def checkframe_register_content(register: Register) -> None:
    """Contribute sectors, checkpoints, checklists, documents and remediation categories.

    Called once per catalog build, after every plugin has been loaded and
    before anything is validated across plugins; ``checkframe build`` calls it
    once more before that, to tell from a digest of the files it names
    whether anything changed.  So an implementation should only register,
    with no other effect.  Each plugin's implementation is called on its own,
    in pluggy's order (``tryfirst`` first, then built-in plugins, then the
    installed ones by entry-point name), so an exception raised here is
    reported with the plugin's name and distribution and does not stop other
    plugins from contributing.

    :param register: records what the plugin contributes and who contributed
        it.  Its methods are

        - ``register.content_dir(path)``: a folder of content TOML
          (``sector.toml``, ``checkpoints/*.toml``, ``checklists.toml``,
          ``remediation.toml``; see the author guide for the fields), read
          when the hook has returned.  This is the usual way: sector
          departments maintain data, not code.
        - ``register.sector(sector)``, ``register.group(group)``,
          ``register.checkpoint(checkpoint)``, ``register.checklist(checklist)``,
          ``register.document(document)``,
          ``register.remediation_category(category)``: add one object of
          :mod:`checkframe.model` built in Python.

        Problems found while reading (a wrong type, an unknown key, invalid
        TOML) are collected with the file and key path; the command reports
        them all at once after every plugin has been called.

    :returns: nothing; anything returned is ignored.
    """


# -- Handbook phase: called once each time the handbook site is built -------------------


@hookspec
def checkframe_register_site(site: SiteRegister) -> None:
    """Add pages and templates to the handbook site.

    Called once per ``checkframe build``, after the catalog is complete and
    before any page is rendered.  Each plugin's implementation is called on
    its own; an exception is reported with the plugin's name.

    :param site: records what the plugin adds.  Its methods are

        - ``site.page(slug, markdown)``: an extra page at ``pages/<slug>.html``;
          its title is the Markdown's first ``# `` heading.  The Markdown is
          rendered like all plugin text: raw HTML is shown as text.
        - ``site.template_dir(path)``: a folder of jinja2 templates searched
          before the default ones.  A template there with a default template's
          name replaces it; to change only part of a page, extend the default
          under the ``default/`` prefix and override a block::

              {% extends "default/checkpoint.html" %}
              {% block after_basis %}<p>本部门补充说明……</p>{% endblock %}

    :returns: nothing; anything returned is ignored.
    """


@hookspec
def checkframe_register_forms(forms: FormRegister) -> None:
    """Add printable forms of the plugin's own, such as a sector department's own 督查表 or 指令书.

    Called once by each command that prints or checks forms (``validate``,
    ``build``, ``print --form``), after the plugins are loaded.  Each plugin's
    implementation is called on its own; an exception is reported with the
    plugin's name, file and line.  A form is printed by ``checkframe print
    --form NAME`` beside the built-in ones, printed into every handbook that
    shows its sector (``pdf/forms/NAME.pdf``), and linked from that sector's
    page.

    :param forms: records the plugin's forms.  Its method is

        - ``forms.form(name, template, title=..., fields=..., sector="", annex="")``:
          ``name`` is lowercase letters, digits and ``-`` and should start with
          the plugin's sector (``coal-mine-supervision``); it may not be a
          built-in form's or another plugin's.  ``template`` is the path of a
          jinja2 file that extends the print templates' ``base.html`` and fills
          its ``body`` block (``macros.html`` offers ``field``, ``date`` and the
          other form pieces).  ``title`` is the form's title as printed;
          ``fields`` maps each blank of the form to its label
          (``{"unit": "检查企业（场所）"}``); ``sector`` is the sector whose page
          links to it (default: the plugin's name); ``annex`` an annex label
          such as ``附件3`` (default: none).

        The template sees ``title``, ``department`` (the handbook's), ``form``
        (its name), ``fields`` (the ``(key, label)`` pairs) and ``values``:
        ``values.get("unit")`` is the text of a field, empty on a blank form.
        Reading a key of ``values`` that is not in ``fields`` is an error, as
        is a template that does not parse or fails to render; each is reported
        naming the plugin and the template's file and line, and a form name
        taken twice names both plugins::

            @hookimpl
            def checkframe_register_forms(forms):
                forms.form("gas-order", Path(__file__).parent / "forms" / "gas-order.html",
                           title="燃气安全隐患整改指令书", fields={"unit": "被检查单位", "date": "日期"})

    :returns: nothing; anything returned is ignored.
    """


@hookspec
def checkframe_register_commands(commands: CommandRegister) -> None:
    """Add commands of the plugin's own to ``checkframe``, as datasette's ``register_commands`` does.

    Called once each time ``checkframe`` starts, while its command line is
    built, so before any content is read: an implementation should only
    register.  Each plugin's implementation is called on its own; an
    exception, or a command whose name is taken, is printed as a warning and
    the other commands still work.

    :param commands: records the plugin's commands.  Its method is

        - ``commands.command(name, run, help)``: add ``checkframe NAME``.
          ``name`` is lowercase letters, digits and ``-``, and should start
          with the plugin's sector id (``coal-mine-...``) so that plugins do
          not collide; ``help`` is the line ``checkframe --help`` shows.  It
          returns the command's :class:`argparse.ArgumentParser`, to which the
          plugin adds its arguments.  ``run(args)`` is called with the parsed
          :class:`argparse.Namespace` and returns the exit code (``None`` is
          0).  Within it, :func:`checkframe.cli.common.load_catalog` gives the
          installed plugins and their catalog, and raising
          :class:`checkframe.cli.common.UserError` prints one ``error:`` line
          and exits 1::

              @hookimpl
              def checkframe_register_commands(commands):
                  parser = commands.command("gas-export", export, "Write the gas checkpoints for the city's system.")
                  parser.add_argument("-o", "--output", required=True)

    :returns: nothing; anything returned is ignored.
    """


# -- Build events: called in this order by ``checkframe build`` --------------------------


@hookspec
def checkframe_catalog_built(catalog: Any, report: Callable[[str], None]) -> None:
    """Check the whole catalog against a rule of the plugin's own.

    Called by every command that builds the catalog (``validate``, ``build``,
    ``print``, the ledger's), once the catalog is complete and every core rule
    holds.  Each plugin's implementation is called on its own; an exception is
    reported with the plugin's name, file and line.

    :param catalog: the :class:`checkframe.Catalog`: every sector, checkpoint,
        checklist, document and remediation category, looked up by id.
    :param report: call ``report(message)`` once per problem found; each is one
        ``error:`` line naming the plugin, and the command stops with exit code
        1 after every plugin has been called.  Say what is wrong, where (the
        checkpoint's id) and how to fix it.
    :returns: nothing; anything returned is ignored.
    """


@hookspec
def checkframe_pages_rendered(files: BuildFiles, catalog: Any, project: Any) -> None:
    """Add files of the plugin's own to the handbook, such as an export for a provincial system.

    Called once per ``checkframe build``, after every page has been rendered
    in memory and before the links are checked and anything is written; a
    build with nothing changed since the last one calls no hook at all.

    :param files: the files of the site.  Its methods are

        - ``files.add(path, data)``: add a file (``bytes`` or ``str``, written
          as UTF-8) at ``path``, relative to the site's root, such as
          ``exports/coal_mine-major-hazards.csv``.  A path the site already
          has is a problem naming both.  The handbook's pages may link to it.
        - ``files.paths()``: the paths of the site so far, pages included.
    :param catalog: the :class:`checkframe.Catalog` the handbook is built from.
    :param project: the handbook project (``project.config.title``,
        ``project.config.department``, ``project.sector_ids(catalog)``).
    :returns: nothing; anything returned is ignored.
    """


@hookspec
def checkframe_build_written(output: Path, catalog: Any, project: Any) -> None:
    """Act on the built handbook once it is in place, such as copying it to where it is served.

    Called once per ``checkframe build`` that wrote the site, after the new
    output folder (pages, PDFs, search index, the files of
    :func:`checkframe_pages_rendered`) has replaced the previous one.  An
    exception is reported with the plugin's name; the site stays written.
    A build with nothing changed since the last one calls no hook at all, and
    the next build that writes replaces the whole folder, so what a plugin
    writes into ``output`` here is made afresh each time.

    This is the hook for what needs the printed PDFs, which exist only now
    (pages are rendered in memory before anything is printed).  The fireworks
    plugin packs its printed checklists and a CSV of their items into one
    archive, for the department to upload to the province's platform::

        @hookimpl
        def checkframe_build_written(output, catalog, project):
            ids = [i for i in project.checklist_ids(catalog) if catalog.checklist(i).sector == "fireworks"]
            pdfs = {i: (output / "pdf" / f"{i}.pdf").read_bytes() for i in ids}
            (output / "exports").mkdir(exist_ok=True)
            write_atomic(output / "exports/fireworks-checklists.zip", zip_of(pdfs))

    (``write_atomic`` is :func:`checkframe.util.fs.write_atomic`.)

    :param output: the output folder, ``PROJECT/_build``: the pages, ``pdf/<checklist id>.pdf`` and
        ``pdf/forms/<form>.pdf``.
    :param catalog: the :class:`checkframe.Catalog` the handbook was built from.
    :param project: the handbook project.
    :returns: nothing; anything returned is ignored.
    """
# -- Ledger phase: called once each time a ledger is replayed -----------------------------


@hookspec
def checkframe_register_ledger(register: LedgerRegister) -> None:
    """Add rules and production-stop kinds to the ledger (台账) of inspection records.

    Called once per ``checkframe ledger`` (and ``inspect recheck``) run, after
    the catalog is built and before any record is read.  Each plugin's
    implementation is called on its own, in pluggy's order; an exception is
    reported with the plugin's name and the ledger is not replayed.

    :param register: records what the plugin adds.  Its methods are

        - ``register.stop_kind(code, name, basis)``: a kind of production stop
          (停产停业整改) that a record may name as ``stop.kind``, e.g. coal's
          ``register.stop_kind("coal_production_stop", "停产整顿",
          "《煤矿安全生产条例》第三十六条")``.  The core's own is
          ``production_stop`` (停产停业整改, 安全生产法 第六十五条（三）).
        - ``register.rule(check, sector="")``: ``check(entry, ledger)`` is
          called for every finding on the ledger once all records are
          replayed (only for units of ``sector`` when it is given).
          ``entry.finding`` is a :class:`checkframe.ledger.findings.Finding`
          as it stands on the ledger's date: its ``state``, ``level``,
          ``remediation``, ``stop``, ``resumption``, ``rechecks`` and dates;
          ``entry.unit`` is the unit's id.  ``ledger`` offers

          - ``ledger.as_of``: the date the ledger is replayed to;
          - ``ledger.unit``: the finding's unit registration (``name``,
            ``township``, ``sector``, ...);
          - ``ledger.catalog``: the catalog, e.g.
            ``ledger.catalog.checkpoint(entry.finding.checkpoint)``;
          - ``ledger.problem(message, at="finding")``: the records break the
            rule.  The command prints it as one line naming the record file
            and key of the event ``at`` names (``"finding"``, ``"stop"``,
            ``"resume"``, ``"close"``, ``"recheck"``, ``"fixed"``,
            ``"remediate"``, ``"escalate"``, ``"report"``; the finding's own
            record when that event is not recorded) and the finding, and
            exits 1.  Clerks read it: write ``message`` in Chinese, in the
            regulators' words (``错误：records/a.toml 第12行：第1个 [[finding]]：隐患
            "f-1"：MESSAGE``);
          - ``ledger.overdue(reason)``: the finding is late in a way the rule
            knows (a reason in Chinese, as the clerk reads it, e.g.
            ``"复产验收超过20日"``); the ledger marks it overdue and shows
            the reason, and nothing is an error.

          A rule returns nothing; an exception it raises is reported with
          the plugin's name and the rule's, as a problem.

          What a rule says of a unit's findings is kept in the ledger's cache
          and not asked again while the unit's records, the rules' source (every
          module of the package that defines each rule) and the values a rule's
          closure holds are as they were; while it reads ``ledger.as_of``, also
          the date, and a rule that reads ``ledger.catalog`` is asked on every
          run.  So a rule must decide from these alone: one that reads a file,
          the clock or the environment of its own would not be asked again when
          they change.

    :returns: nothing; anything returned is ignored.
    """
