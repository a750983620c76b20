"""The card format, the catalogue folder, and the links between cards and registered datasets:
every registered dataset (``register_datasets``) has a card, every "built" card a builder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from denoisekit import catalogue
from denoisekit.catalogue import REQUIRED, Card, CardError, get_card, load_cards, read_card
from denoisekit.errors import UserError
from denoisekit.hookspecs import hookimpl
from denoisekit.manager import PluginHost, PluginInfo
from denoisekit.records import DatasetRecord

ROOT = Path(__file__).resolve().parents[2]
CARD_FILES = sorted((ROOT / "datasets").glob("*.toml"))
GOOD = """
name = "{name}"
domain = "image"
summary = "A test dataset"
description = "what it is"
provenance = "made by the test"
licence = "CC0"
citation = "none"
format = "PNG"
size = "tiny"
plugin = "denoisekit-test"
availability = "external"
build = "obtain it from nowhere"
url = "https://example.org/"

[layout]
"images/*.png" = "the images"
"""


def write_card(folder: Path, name: str = "my-set", text: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(GOOD.format(name=name) if text is None else text)
    return path


@pytest.fixture
def host() -> PluginHost:
    return PluginHost()


def test_the_catalogue_folder_is_the_source_tree() -> None:
    assert catalogue.catalogue_dir() == ROOT / "datasets"
    assert len(CARD_FILES) >= 10


@pytest.mark.parametrize("path", CARD_FILES, ids=lambda p: p.stem)
def test_every_card_parses_and_validates(path: Path) -> None:
    card = read_card(path)
    assert card.name == path.stem and card.path == path
    for key in REQUIRED:
        value = getattr(card, key)
        assert isinstance(value, str) and value.strip(), key
    assert "\n" not in card.summary and len(card.summary) <= 120
    if card.external:
        assert card.layout, "an external dataset needs a [layout] table"
        assert card.url.startswith("https://"), "an external dataset needs the provider's url"
    assert card.to_json()["name"] == card.name


def test_load_cards_is_sorted_and_complete() -> None:
    cards = load_cards()
    assert list(cards) == sorted(cards) == sorted(p.stem for p in CARD_FILES)
    assert all(isinstance(c, Card) for c in cards.values())
    expected = {"image-sample", "fastmri-knee", "fastmri-brain", "mayo-ldct-2016", "voicebank-demand", "icvl",
                "camus"}
    assert expected <= set(cards)
    assert cards["image-sample"].availability == "built"
    assert "singlecoil_train/*.h5" in cards["fastmri-knee"].layout
    assert {c.domain for c in cards.values()} >= {"image", "ct", "mri", "hsi", "speech", "ultrasound"}


def test_every_registered_dataset_has_a_card(host: PluginHost) -> None:
    # register_datasets: every dataset a loaded plugin registers has a card of the same name and domain
    cards = load_cards(host)
    assert host.datasets(), "no plugin registers a dataset"
    for record in host.datasets():
        assert record.name in cards, f"dataset {record.name!r} (register_datasets) has no card in datasets/"
        assert cards[record.name].domain == record.domain


def test_every_built_card_has_a_builder(host: PluginHost) -> None:
    for card in load_cards(host).values():
        if card.availability == "built":
            record = host.dataset(card.name)
            assert record.build is not None and callable(record.build), card.name
            assert record.domain == card.domain
        else:
            assert card.layout, card.name


def test_image_plugin_registers_the_sample_set(host: PluginHost) -> None:
    record = host.dataset("image-sample")
    assert record.domain == "image" and record.card is None
    assert host.owner("register_datasets", "image-sample").name == "image"


def test_register_datasets_imports_nothing_heavy() -> None:
    code = ("import sys, denoisekit.image.plugin as p; p.register_datasets(); "
            "print(sorted(m for m in ('torch', 'PIL', 'skimage', 'monai') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_card_with_a_missing_key_names_the_file(tmp_path: Path) -> None:
    text = GOOD.format(name="broken").replace('licence = "CC0"\n', "")
    path = write_card(tmp_path, "broken", text)
    with pytest.raises(CardError) as info:
        read_card(path)
    assert str(path) in str(info.value) and "'licence'" in str(info.value)
    assert isinstance(info.value, UserError)


@pytest.mark.parametrize("change, expected", [
    (('licence = "CC0"', "licence = 3"), "'licence' must be a string"),
    (('availability = "external"', 'availability = "maybe"'), "availability must be 'built' or 'external'"),
    (('summary = "A test dataset"', 'summary = "two\\nlines"'), "one line"),
    (('domain = "image"', 'domain = "Image"'), "domain 'Image'"),
    (('size = "tiny"', 'size = "  "'), "'size' is empty"),
    (('size = "tiny"', 'size = "tiny"\nlicense = "x"'), "unknown key 'license' (did you mean 'licence'?)"),
    (('[layout]\n"images/*.png" = "the images"', ""), "needs a [layout] table"),
    (('"images/*.png" = "the images"', '"../images/*.png" = "outside"'), "relative to the dataset folder"),
    (('"images/*.png" = "the images"', '"images/*.png" = 1'), "non-empty string"),
    (('name = "bad"', 'name = "other"'), "differs from the file name"),
    (('name = "bad"', 'name = "bad'), "not valid TOML"),
])
def test_card_validation_errors_name_the_file(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    text = GOOD.format(name="bad")
    assert change[0] in text
    path = write_card(tmp_path, "bad", text.replace(change[0], change[1]))
    with pytest.raises(CardError) as info:
        read_card(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and expected in message and "\n" not in message


def test_a_built_card_needs_no_layout(tmp_path: Path) -> None:
    text = GOOD.format(name="made").replace('availability = "external"', 'availability = "built"')
    card = read_card(write_card(tmp_path, "made", text.split("[layout]")[0]))
    assert card.availability == "built" and not card.external and card.layout == {}


def test_extra_folder_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_card(tmp_path / "extra", "my-set")
    monkeypatch.setenv(catalogue.ENV_CATALOGUE, str(tmp_path / "extra"))
    cards = load_cards()
    assert "my-set" in cards and "image-sample" in cards
    assert get_card("my-set").placement() == "DIR/images/*.png"


def test_a_second_card_with_the_same_name_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (ROOT / "datasets" / "icvl.toml").read_text()
    path = write_card(tmp_path / "extra", "icvl", text)
    monkeypatch.setenv(catalogue.ENV_CATALOGUE, str(tmp_path / "extra"))
    with pytest.raises(CardError) as info:
        load_cards()
    assert str(path) in str(info.value) and str(ROOT / "datasets" / "icvl.toml") in str(info.value)
    problems: list[CardError] = []
    assert "icvl" in load_cards(problems=problems) and len(problems) == 1


def test_broken_cards_are_skipped_only_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_card(tmp_path / "extra", "broken", "name = 'broken'\n")
    monkeypatch.setenv(catalogue.ENV_CATALOGUE, str(tmp_path / "extra"))
    with pytest.raises(CardError):
        load_cards()
    problems: list[CardError] = []
    assert "broken" not in load_cards(problems=problems)
    assert [p.path for p in problems] == [path]
    with pytest.raises(CardError, match="missing required key"):
        get_card("broken")


def test_unknown_name_suggests_the_closest() -> None:
    with pytest.raises(UserError, match=r"unknown dataset 'fastmri' \(did you mean 'fastmri-knee'\?\)"):
        get_card("fastmri")
    with pytest.raises(UserError, match="known datasets"):
        get_card("zzzzzzzz")


class ThirdParty:
    """A third-party plugin that ships its own card through ``DatasetRecord.card``."""

    def __init__(self, card: Path | None):
        self.card = card

    @hookimpl
    def register_datasets(self) -> list[DatasetRecord]:
        return [DatasetRecord(name="my-set", domain="image", summary="A third-party set", card=self.card,
                              open=lambda folder: [])]


def host_with(plugin: ThirdParty) -> PluginHost:
    """The built-in plugins plus ``plugin``, registered as the host registers an installed one."""
    host = PluginHost(load_entrypoints=False)
    info = PluginInfo("third", "denoisekit-third", "1.0", "loaded")
    host.plugins[info.name] = info
    host.register_plugin(plugin, info)
    return host


def test_third_party_cards_come_from_the_record(tmp_path: Path) -> None:
    card_path = write_card(tmp_path / "pkg", "my-set")
    host = host_with(ThirdParty(card_path))
    assert host.dataset("my-set").card == card_path
    cards = load_cards(host)
    assert cards["my-set"].path == card_path and "image-sample" in cards
    assert get_card("my-set", host).summary == "A test dataset"
    assert {r.name for r in host.datasets()} <= set(cards)


def test_the_docs_list_every_card() -> None:
    text = (ROOT / "docs" / "datasets.md").read_text()
    missing = [p.stem for p in CARD_FILES if f"| `{p.stem}` |" not in text]
    assert not missing, f"docs/datasets.md does not list the card(s) {missing}"


def test_a_registered_dataset_without_a_card_is_named(tmp_path: Path) -> None:
    host = host_with(ThirdParty(None))
    with pytest.raises(UserError, match="dataset 'my-set' has no card: plugin 'third' \\(denoisekit-third\\)"):
        get_card("my-set", host)
