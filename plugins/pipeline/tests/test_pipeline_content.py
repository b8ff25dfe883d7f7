from pathlib import Path

from checkframe.testing import assert_ids_stable, assert_major_hazards_cite_articles, plugin_catalog

HERE = Path(__file__).parent


def test_content_validates():
    catalog = plugin_catalog("pipeline", "general")
    assert catalog.sector("pipeline").name == "油气长输管道"


def test_ids_are_stable():
    assert_ids_stable(plugin_catalog("pipeline", "general"), "pipeline", HERE / "ids.txt")


def test_major_hazards_cite_articles():
    assert_major_hazards_cite_articles(plugin_catalog("pipeline", "general"), "pipeline")
