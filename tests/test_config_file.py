"""vidscore.toml: a full file loads to the expected objects; every mistake names its line, key and reason."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from vidscore.config import CriterionOverride, ProductReference, ScoringConfig
from vidscore.config_file import CONFIG_NAME, ConfigFile, find_config, load_config
from vidscore.criteria.lexicon import KINDS, load_lexicon, normalize
from vidscore.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "vidscore.example.toml"
KNOWN_KINDS = ", ".join((*KINDS, "cta"))


def write_config(folder: Path, *lines: str) -> Path:
    """A vidscore.toml whose line N is lines[N - 1]."""
    path = folder / CONFIG_NAME
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "\n" not in message
    return message


# ---------------------------------------------------------------------------------- valid files


def test_example_file_loads_to_the_expected_objects(tmp_path):
    path = tmp_path / CONFIG_NAME
    shutil.copy(EXAMPLE, path)
    front = touch(tmp_path / "products" / "glowa_front.jpg")
    angle = touch(tmp_path / "products" / "glowa_angle.jpg")
    weights = touch(tmp_path / "team-weights.json")

    loaded = load_config(path)

    assert loaded == ConfigFile(
        path=path,
        language="it",
        products=(ProductReference(name="Glowa serum", images=(front, angle), aliases=("siero glowa", "serum")),),
        scoring=ScoringConfig(
            platform="tiktok",
            brand=("Glowa", "glova"),
            phrases={"cta.link": ("scrivimi in dm",), "cta.shop": ("prendilo ora",), "offer": ("2 al prezzo di 1",)},
            criteria={
                "hook_start_1s": CriterionOverride(thresholds={"max_s": 1.5}, weight=3.0, enabled=True),
                "hook_face_3s": CriterionOverride(thresholds={}, weight=None, enabled=False),
            },
            model=weights,
        ),
    )
    override = loaded.scoring.criteria["hook_start_1s"]
    assert type(override.weight) is float
    assert all(type(v) is float for v in override.thresholds.values())
    lexicon = {(p.kind, p.norm) for p in load_lexicon(loaded.scoring.phrases).phrases}
    assert all((kind, normalize(text)) in lexicon for kind, texts in loaded.scoring.phrases.items() for text in texts)


def test_empty_file_gives_the_defaults(tmp_path):
    loaded = load_config(write_config(tmp_path, "# nothing set"))
    assert loaded.language is None
    assert loaded.products == ()
    assert loaded.scoring == ScoringConfig()


def test_relative_config_path_resolves_files_against_its_folder(tmp_path, monkeypatch):
    project = tmp_path / "project"
    touch(project / "shots" / "front.png")
    write_config(project, "[[products]]", 'name = "Serum"', 'images = ["shots/front.png"]')
    monkeypatch.chdir(tmp_path)

    loaded = load_config(Path("project") / CONFIG_NAME)

    assert loaded.products[0].images == (project / "shots" / "front.png",)
    assert loaded.products[0].images[0].is_absolute()


def test_tilde_is_expanded(tmp_path, monkeypatch):
    home = tmp_path / "home"
    image = touch(home / "bottle.jpg")
    weights = touch(home / "w.json")
    monkeypatch.setenv("HOME", str(home))
    path = write_config(tmp_path, 'model = "~/w.json"', "[[products]]", 'name = "Serum"', 'images = ["~/bottle.jpg"]')

    loaded = load_config(path)

    assert loaded.products[0].images == (image,)
    assert loaded.scoring.model == weights


def test_values_are_normalised(tmp_path):
    path = write_config(
        tmp_path,
        'platform = "Reels"',
        'language = "IT"',
        "[brand]",
        'name = " Glowa "',
        "[phrases]",
        'cta = ["prendilo ora", "compra ora"]',
        '"cta.shop" = ["compra ora", "vai al negozio"]',
        "[criteria.format_length]",
        "max_s = 90",
        "weight = 0",
    )
    loaded = load_config(path)
    assert loaded.scoring.platform == "reels"
    assert loaded.language == "it"
    assert loaded.scoring.brand == ("Glowa",)
    assert loaded.scoring.phrases == {
        "cta.shop": ("prendilo ora", "compra ora", "vai al negozio"),
    }
    assert loaded.scoring.criteria["format_length"] == CriterionOverride({"max_s": 90.0}, weight=0.0)


def test_unquoted_dotted_phrase_kind_is_read_as_that_kind(tmp_path):
    path = write_config(tmp_path, "[phrases]", 'cta.link = ["link in bio"]', 'hook.you = ["tu che"]')
    assert load_config(path).scoring.phrases == {"cta.link": ("link in bio",), "hook.you": ("tu che",)}


def test_auto_language_and_inline_tables(tmp_path):
    path = write_config(
        tmp_path,
        'language = "auto"',
        'brand = { name = "Glowa", aliases = ["glova"] }',
        'products = [{ name = "Serum" }, { name = "Cream", aliases = ["crema"] }]',
    )
    loaded = load_config(path)
    assert loaded.language == "auto"
    assert loaded.scoring.brand == ("Glowa", "glova")
    assert loaded.products == (ProductReference("Serum"), ProductReference("Cream", aliases=("crema",)))


def test_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / CONFIG_NAME
    path.write_bytes(b'\xef\xbb\xbfplatform = "shorts"\n')
    assert load_config(path).scoring.platform == "shorts"


# ---------------------------------------------------------------------------------- errors

# (lines of the file, line of the error, "key: reason"); {dir} is the config's folder.
ERROR_CASES = {
    "unknown platform": (
        ["# my settings", 'platform = "tiktk"'], 2,
        "platform: unknown platform 'tiktk' (choose tiktok, reels, shorts)"),
    "platform not a string": (
        ["platform = 3"], 1, "platform: expected a string, got 3"),
    "unknown language": (
        ['platform = "tiktok"', 'language = "xx"'], 2,
        "language: unknown language 'xx' (use 'auto' or a code Whisper knows, e.g. en, it, es, fr, de, pt)"),
    "language not a string": (
        ["language = ['it']"], 1, "language: expected a string, got a list"),
    "unknown top-level key": (
        ['platform = "tiktok"', "", 'colour = "red"'], 3,
        "colour: unknown key (known: platform, language, model, brand, products, phrases, criteria)"),
    "missing model": (
        ['model = "weights.json"'], 1, "model: no such file: {dir}/weights.json"),
    "empty model path": (
        ['model = ""'], 1, "model: empty path"),
    "brand not a table": (
        ['brand = "Glowa"'], 1, "brand: expected a table, got 'Glowa'"),
    "unknown brand key": (
        ["[brand]", 'name = "Glowa"', 'slogan = "glow up"'], 3,
        "brand.slogan: unknown key (known: name, aliases)"),
    "brand without name": (
        ["", "[brand]", 'aliases = ["glova"]'], 2,
        "brand: missing name (the brand's name, e.g. name = \"Glowa\")"),
    "brand aliases not a list": (
        ["[brand]", 'name = "Glowa"', 'aliases = "glova"'], 3,
        "brand.aliases: expected a list of strings, got 'glova'"),
    "empty brand alias": (
        ["[brand]", 'name = "Glowa"', 'aliases = ["glova", ""]'], 3, "brand.aliases[1]: empty alias"),
    "products not an array of tables": (
        ['products = "serum"'], 1,
        "products: expected an array of tables ([[products]] blocks), got 'serum'"),
    "unknown product key": (
        ["[[products]]", 'name = "Serum"', "[[products]]", 'name = "Cream"', 'photo = ["c.jpg"]'], 5,
        "products[1].photo: unknown key (known: name, aliases, images)"),
    "empty product name": (
        ["[brand]", 'name = "Glowa"', "[[products]]", 'name = "  "'], 4, "products[0].name: empty product name"),
    "product name not a string": (
        ["[[products]]", "name = 7"], 2, "products[0].name: expected a string, got 7"),
    "product without name": (
        ["[[products]]", 'name = "Serum"', "", "[[products]]", 'aliases = ["crema"]'], 4,
        "products[1]: missing name (the product's name, e.g. name = \"Glowa serum\")"),
    "duplicate product names": (
        ["[[products]]", 'name = "Serum"', "[[products]]", 'name = "serum"'], 4,
        "products[1].name: duplicate product name 'serum' (also products[0])"),
    "duplicate product names inline": (
        ['products = [{ name = "Serum" }, { name = "Serum" }]'], 1,
        "products[1].name: duplicate product name 'Serum' (also products[0])"),
    "images not a list": (
        ["[[products]]", 'name = "Serum"', 'images = "front.jpg"'], 3,
        "products[0].images: expected a list of image paths, got 'front.jpg'"),
    "image not a string": (
        ["[[products]]", 'name = "Serum"', "images = [1]"], 3, "products[0].images[0]: expected a string, got 1"),
    "missing image in a one-line array": (
        ["[[products]]", 'name = "Serum"', 'images = ["front.jpg", "x.jpg"]'], 3,
        "products[0].images[1]: no such file: {dir}/x.jpg"),
    "missing image in a multi-line array": (
        ["[[products]]", 'name = "Serum"', "", "[[products]]", 'name = "Cream"', "images = [",
         '  "front.jpg",  # this one exists', '  "x.jpg",', "]"], 8,
        "products[1].images[1]: no such file: {dir}/x.jpg"),
    "image is a folder": (
        ["[[products]]", 'name = "Serum"', 'images = ["photos"]'], 3,
        "products[0].images[0]: not a file: {dir}/photos"),
    "phrases not a table": (
        ['phrases = ["buy now"]'], 1, "phrases: expected a table, got a list"),
    "unknown phrase kind": (
        ["[phrases]", 'offer = ["2x1"]', 'ctaa = ["buy"]'], 3,
        f"phrases.ctaa: unknown phrase kind (known: {KNOWN_KINDS})"),
    "unknown dotted phrase kind": (
        ["[phrases]", '"cta.lnk" = ["dm me"]'], 2,
        f'phrases."cta.lnk": unknown phrase kind (known: {KNOWN_KINDS})'),
    "unknown unquoted dotted phrase kind": (
        ["[phrases]", 'cta.lnk = ["dm me"]'], 2,
        f"phrases.cta.lnk: unknown phrase kind (known: {KNOWN_KINDS})"),
    "phrases not a list": (
        ["[phrases]", 'offer = "2x1"'], 2, "phrases.offer: expected a list of strings, got '2x1'"),
    "empty phrase": (
        ["[phrases]", "offer = [", '  "2 al prezzo di 1",', '  " ",', "]"], 4, "phrases.offer[1]: empty phrase"),
    "phrase without letters or digits": (
        ["[phrases]", 'urgency = ["ora!", "!!!"]'], 2, "phrases.urgency[1]: no letters or digits in '!!!'"),
    "phrase not a string": (
        ["[phrases]", '"cta.code" = [true]'], 2, 'phrases."cta.code"[0]: expected a string, got true'),
    "unknown criterion with a close match": (
        ['platform = "tiktok"', "[criteria.hook_start_1s]", "max_s = 1.5", "[criteria.hook_strat_1s]", "weight = 2"], 4,
        "criteria.hook_strat_1s: unknown criterion (did you mean hook_start_1s?)"),
    "unknown criterion without a close match": (
        ["[criteria.zzzz]", "weight = 2"], 1,
        "criteria.zzzz: unknown criterion (run `vidscore criteria` for the list)"),
    "unknown criterion setting": (
        ["[criteria.hook_start_1s]", "weight = 2", "max = 1"], 3,
        "criteria.hook_start_1s.max: unknown setting (known: max_s, zero_s, weight, enabled)"),
    "threshold not a number": (
        ["[criteria.hook_start_1s]", 'max_s = "fast"'], 2,
        "criteria.hook_start_1s.max_s: expected a number, got 'fast'"),
    "threshold is a bool": (
        ["[criteria.hook_start_1s]", "max_s = true"], 2, "criteria.hook_start_1s.max_s: expected a number, got true"),
    "threshold not finite": (
        ["[criteria.hook_start_1s]", "max_s = nan"], 2,
        "criteria.hook_start_1s.max_s: expected a finite number, got nan"),
    "threshold as a top-level dotted key": (
        ['platform = "tiktok"', 'criteria.hook_start_1s.max_s = "fast"'], 2,
        "criteria.hook_start_1s.max_s: expected a number, got 'fast'"),
    "threshold in an inline table": (
        ["[criteria]", 'hook_face_3s = { enabled = false }', 'hook_start_1s = { max_s = "fast" }'], 3,
        "criteria.hook_start_1s.max_s: expected a number, got 'fast'"),
    "criterion not a table": (
        ["[criteria]", "hook_start_1s = 3"], 2, "criteria.hook_start_1s: expected a table, got 3"),
    "negative weight": (
        ["[criteria.cta_spoken]", "weight = -1"], 2, "criteria.cta_spoken.weight: must be 0 or more, got -1"),
    "weight is a bool": (
        ["[criteria.cta_spoken]", "weight = false"], 2, "criteria.cta_spoken.weight: expected a number, got false"),
    "enabled not a bool": (
        ["[criteria.hook_face_3s]", 'enabled = "no"'], 2,
        "criteria.hook_face_3s.enabled: expected true or false, got 'no'"),
    "enabled is a number": (
        ["[criteria.hook_face_3s]", "enabled = 0"], 2, "criteria.hook_face_3s.enabled: expected true or false, got 0"),
    "same key name in another table": (
        ["[brand]", 'name = "Glowa"', "", "[criteria.hook_face_3s]", "# switched off", "enabled = 'no'"], 6,
        "criteria.hook_face_3s.enabled: expected true or false, got 'no'"),
    "key after a multi-line string": (
        ["[brand]", 'name = """Glowa', 'aliases = 1', '"""', 'aliases = 1'], 5,
        "brand.aliases: expected a list of strings, got 1"),
}


@pytest.mark.parametrize("lines, line, expected", ERROR_CASES.values(), ids=ERROR_CASES.keys())
def test_error_names_line_key_and_reason(tmp_path, lines, line, expected):
    touch(tmp_path / "front.jpg")
    (tmp_path / "photos").mkdir()
    path = write_config(tmp_path, *lines)
    assert error_of(path) == f"{path}:{line}: {expected.format(dir=tmp_path)}"


def test_error_uses_the_path_as_given(tmp_path, monkeypatch):
    write_config(tmp_path, "", 'platform = "tiktk"')
    monkeypatch.chdir(tmp_path)
    assert error_of(Path(CONFIG_NAME)) == (
        "vidscore.toml:2: platform: unknown platform 'tiktk' (choose tiktok, reels, shorts)")


def test_syntax_error_gives_its_line_without_the_position(tmp_path):
    path = write_config(tmp_path, 'platform = "tiktok"', "", "[brand", 'name = "Glowa"')
    message = error_of(path)
    assert message.startswith(f"{path}:3: invalid TOML: ")
    assert "(at line" not in message
    assert len(message) > len(f"{path}:3: invalid TOML: ")


def test_syntax_error_at_end_of_document_points_at_the_last_line(tmp_path):
    path = write_config(tmp_path, 'platform = "tiktok"', "weight =")
    message = error_of(path)
    assert message.startswith(f"{path}:2: invalid TOML: ")
    assert "end of document" not in message


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere" / CONFIG_NAME
    assert error_of(path) == f"{path}: no such config file"


def test_not_utf8(tmp_path):
    path = tmp_path / CONFIG_NAME
    path.write_bytes(b'platform = "tiktok"\n[brand]\nname = "Glow\xe0"\n')
    assert error_of(path).startswith(f"{path}:3: not UTF-8 text")


@pytest.mark.skipif(os.name != "posix", reason="reading a folder fails differently elsewhere")
def test_unreadable_file(tmp_path):
    folder = tmp_path / CONFIG_NAME
    folder.mkdir()
    assert error_of(folder).startswith(f"{folder}: cannot read the config file: ")


# ---------------------------------------------------------------------------------- find_config


def test_find_config(tmp_path, monkeypatch):
    assert find_config(tmp_path) is None
    path = write_config(tmp_path, 'platform = "tiktok"')
    assert find_config(tmp_path) == path
    monkeypatch.chdir(tmp_path)
    assert find_config() == Path.cwd() / CONFIG_NAME


def test_find_config_ignores_a_folder_of_that_name(tmp_path):
    (tmp_path / CONFIG_NAME).mkdir()
    assert find_config(tmp_path) is None
