from pathlib import Path

from checkframe.testing import assert_ids_stable, assert_major_hazards_cite_articles, plugin_catalog

HERE = Path(__file__).parent


def test_content_validates():
    catalog = plugin_catalog("coal_mine")
    assert catalog.sector("coal_mine").name == "煤矿"


def test_ids_are_stable():
    assert_ids_stable(plugin_catalog("coal_mine"), "coal_mine", HERE / "ids.txt")


def test_major_hazards_cite_articles():
    assert_major_hazards_cite_articles(plugin_catalog("coal_mine"), "coal_mine")
