"""The publish wing: the handbook site and the printed checklists and forms, from the catalog.

::

    project.py   a handbook project: checkframe.toml and pages/*.md
    inputs.py    what every output depends on: the build fingerprint (also the search index's key), each PDF's key
    markdown.py  the Markdown renderer for plugin and page text
    site.py      the renderer: templates, navigation, listed pages rendered in memory
    pages.py     the pages of the handbook, family by family (render_site)
    changes.py   the 内容变化 page
    links.py     every link of the site read and checked
    search.py    the built-in search index (and ``query`` to search it from Python)
    guide.py     the plugin author guide
    fonts.py     what printing needs from the machine
    printing.py  one checklist or form as a PDF
    pdfs.py      every PDF of a handbook, cached by its inputs; the ledger's filled forms
    build.py     ``checkframe build``: all of it, checked, written atomically
"""
