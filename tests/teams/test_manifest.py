"""`actionbot teams manifest`: the package Teams accepts — files at the zip's root, a 1.19
manifest for a personal+team bot, icons of the sizes Teams requires — and bad options refused
with a sentence and exit 2 before anything is written."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner, Result

from bot.config import Settings
from handlers.cli.main import CliOptions, app

APP_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
OTHER_ID = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
SCHEMA = "https://developer.microsoft.com/en-us/json-schemas/teams/v1.19/MicrosoftTeams.schema.json"
APP_ID_SENTENCE = (
    "--app-id must be your bot's Microsoft App ID, a GUID like "
    "00000000-0000-0000-0000-000000000000 (Azure portal → your Azure Bot → Configuration)"
)


def settings(teams_app_id: str | None = None) -> Settings:
    """No .env and no environment: only what the test says (Teams needs a tenant and secret)."""
    if teams_app_id is None:
        return Settings(_env_file=None)
    return Settings(
        _env_file=None,
        teams_app_id=teams_app_id,
        teams_tenant_id=OTHER_ID,
        teams_app_password=SecretStr("s3cret-from-the-portal"),
    )


def cli(*args: str, configured: str | None = None) -> Result:
    options = CliOptions(settings=settings(configured))
    return CliRunner().invoke(app, ["teams", "manifest", *args], obj=options)


def build(tmp_path: Path, *args: str) -> tuple[zipfile.ZipFile, dict[str, Any]]:
    output = tmp_path / "actionbot-teams.zip"
    result = cli("--app-id", APP_ID, "--output", str(output), *args)
    assert result.exit_code == 0, result.output
    package = zipfile.ZipFile(output)
    return package, json.loads(package.read("manifest.json"))


# -- the package ----------------------------------------------------------------------------------


def test_the_files_sit_at_the_zip_root(tmp_path: Path) -> None:
    package, manifest = build(tmp_path)

    names = set(package.namelist())
    assert names == {"manifest.json", "color.png", "outline.png"}
    assert not any("/" in name or "\\" in name for name in names)  # Teams refuses folders
    assert set(manifest["icons"].values()) <= names
    assert package.testzip() is None


def test_the_manifest_is_a_1_19_personal_and_team_bot(tmp_path: Path) -> None:
    _, manifest = build(tmp_path)

    assert manifest["$schema"] == SCHEMA
    assert manifest["manifestVersion"] == "1.19"
    assert manifest["version"] == "1.0.0"
    assert manifest["id"] == APP_ID  # so Graph finds the app in the catalog by externalId
    assert manifest["name"]["short"] == "actionbot"
    assert len(manifest["name"]["full"]) <= 100
    assert manifest["name"]["full"] != manifest["name"]["short"]
    assert len(manifest["description"]["short"]) <= 80
    assert len(manifest["description"]["full"]) <= 4000
    assert manifest["description"]["short"] not in manifest["description"]["full"]
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert manifest["accentColor"].startswith("#")
    assert manifest["permissions"] == ["identity", "messageTeamMembers"]
    assert manifest["validDomains"] == []

    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert set(bot["scopes"]) == {"personal", "team"}
    assert bot["isNotificationOnly"] is False
    assert bot["supportsFiles"] is False
    [commands] = bot["commandLists"]
    assert set(commands["scopes"]) == {"personal", "team"}
    by_title = {command["title"]: command["description"] for command in commands["commands"]}
    assert "rag overdue" in by_title["rag"]
    assert "help" in by_title
    assert all(len(title) <= 32 and len(text) <= 128 for title, text in by_title.items())


def test_it_asks_for_the_rsc_permissions_the_bot_uses(tmp_path: Path) -> None:
    _, manifest = build(tmp_path)

    granted = manifest["authorization"]["permissions"]["resourceSpecific"]
    assert {p["type"] for p in granted} == {"Application"}
    # Reading the board channel back after a crash, and the team's roster. No chat permission:
    # RSC in the personal chat is read receipts only, and the app is not in group chats.
    assert {p["name"] for p in granted} == {"TeamMember.Read.Group"}
    # RSC needs webApplicationInfo, with a resource Teams ignores but won't take empty.
    assert manifest["webApplicationInfo"]["id"] == APP_ID
    assert manifest["webApplicationInfo"]["resource"]


def test_options_reach_the_manifest(tmp_path: Path) -> None:
    _, manifest = build(
        tmp_path,
        "--version",
        "1.2.3",
        "--developer-name",
        "Worcestershire County Council",
        "--website-url",
        "https://www.worcestershire.gov.uk/actionbot",
        "--privacy-url",
        "https://www.worcestershire.gov.uk/privacy",
        "--valid-domain",
        "intranet.worcestershire.gov.uk",
        "--valid-domain",
        "intranet.worcestershire.gov.uk",
    )

    assert manifest["version"] == "1.2.3"
    assert manifest["developer"] == {
        "name": "Worcestershire County Council",
        "websiteUrl": "https://www.worcestershire.gov.uk/actionbot",
        "privacyUrl": "https://www.worcestershire.gov.uk/privacy",
        "termsOfUseUrl": "https://www.worcestershire.gov.uk/actionbot",  # the website's, unsaid
    }
    assert manifest["validDomains"] == ["intranet.worcestershire.gov.uk"]


def test_it_says_what_it_wrote_and_what_to_do_next(tmp_path: Path) -> None:
    output = tmp_path / "actionbot-teams.zip"
    result = cli("--app-id", APP_ID, "--output", str(output))

    assert result.exit_code == 0, result.output
    assert f"Wrote {output}" in result.stdout
    assert "Teams admin centre" in result.stdout
    assert "Upload" in result.stdout
    assert "https://<your host>/api/messages" in result.stdout
    assert "placeholders" in result.stderr  # the default developer links are example.com


def test_the_same_options_give_the_same_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    assert cli("--app-id", APP_ID, "--output", str(first)).exit_code == 0
    assert cli("--app-id", APP_ID, "--output", str(second)).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


def test_force_overwrites_an_older_package(tmp_path: Path) -> None:
    output = tmp_path / "actionbot-teams.zip"
    assert cli("--app-id", APP_ID, "--output", str(output)).exit_code == 0
    again = cli("--app-id", APP_ID, "--output", str(output), "--version", "1.0.1", "--force")

    assert again.exit_code == 0, again.output
    assert json.loads(zipfile.ZipFile(output).read("manifest.json"))["version"] == "1.0.1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["actionbot-teams.zip"]  # no temp file


# -- the icons ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Png:
    width: int
    height: int
    colour_type: int
    pixels: list[list[tuple[int, ...]]]  # rows of pixels, one value per channel


CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # colour type → channels (8-bit, not palette)


def read_png(data: bytes) -> Png:
    """The PNG decoded by hand (no imaging library is a dependency): chunks checked against
    their CRCs, IDAT inflated and each scanline's filter undone."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks: list[tuple[bytes, bytes]] = []
    at = 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert zlib.crc32(kind + body) == crc, kind
        chunks.append((kind, body))
        at += 12 + length
    assert chunks[0][0] == b"IHDR"
    assert chunks[-1][0] == b"IEND"
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert depth == 8
    assert interlace == 0
    assert colour_type in CHANNELS
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    step = CHANNELS[colour_type]
    stride = width * step
    assert len(raw) == height * (stride + 1)
    rows: list[bytearray] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - step] if i >= step else 0
            up, up_left = previous[i], previous[i - step] if i >= step else 0
            line[i] = (line[i] + _predict(kind, left, up, up_left)) & 0xFF
        rows.append(line)
        previous = line
    pixels = [[tuple(row[x : x + step]) for x in range(0, stride, step)] for row in rows]
    return Png(width, height, colour_type, pixels)


def _predict(kind: int, left: int, up: int, up_left: int) -> int:
    if kind == 0:
        return 0
    if kind == 1:
        return left
    if kind == 2:
        return up
    if kind == 3:
        return (left + up) // 2
    assert kind == 4, f"filter type {kind}"
    guess = left + up - up_left
    distances = (abs(guess - left), abs(guess - up), abs(guess - up_left))
    return (left, up, up_left)[distances.index(min(distances))]


def test_the_colour_icon_is_192_pixels_full_colour(tmp_path: Path) -> None:
    package, manifest = build(tmp_path)
    icon = read_png(package.read(manifest["icons"]["color"]))

    assert (icon.width, icon.height) == (192, 192)
    assert icon.colour_type in (2, 6)  # RGB or RGBA
    colours = {pixel[:3] for row in icon.pixels for pixel in row}
    assert any(r > 150 and g < 90 and b < 90 for r, g, b in colours)  # a red light
    assert any(g > 120 and r < 60 and b < 90 for r, g, b in colours)  # a green one


def test_the_outline_icon_is_32_pixels_white_on_transparent(tmp_path: Path) -> None:
    package, manifest = build(tmp_path)
    icon = read_png(package.read(manifest["icons"]["outline"]))

    assert (icon.width, icon.height) == (32, 32)
    assert icon.colour_type == 6  # RGBA: it has an alpha channel
    pixels = [pixel for row in icon.pixels for pixel in row]
    assert all(pixel[:3] == (255, 255, 255) for pixel in pixels if pixel[3])  # white only
    alphas = {pixel[3] for pixel in pixels}
    assert 0 in alphas  # transparent background
    assert 255 in alphas  # and a solid shape


# -- the app id -----------------------------------------------------------------------------------


def test_the_app_id_defaults_to_teams_app_id(tmp_path: Path) -> None:
    output = tmp_path / "actionbot-teams.zip"
    result = cli("--output", str(output), configured=APP_ID)

    assert result.exit_code == 0, result.output
    manifest = json.loads(zipfile.ZipFile(output).read("manifest.json"))
    assert manifest["id"] == manifest["bots"][0]["botId"] == APP_ID


def test_the_app_id_defaults_to_teams_app_id_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no developer's .env
    monkeypatch.setenv("TEAMS_APP_ID", APP_ID)
    monkeypatch.setenv("TEAMS_TENANT_ID", OTHER_ID)
    monkeypatch.setenv("TEAMS_APP_PASSWORD", "s3cret-from-the-portal")
    monkeypatch.delenv("TEAMS_ANONYMOUS", raising=False)
    monkeypatch.delenv("TEAMS_CERT_PFX_FILE", raising=False)

    result = CliRunner().invoke(app, ["teams", "manifest"])

    assert result.exit_code == 0, result.output
    manifest = json.loads(zipfile.ZipFile(tmp_path / "actionbot-teams.zip").read("manifest.json"))
    assert manifest["id"] == APP_ID


def test_an_app_id_other_than_teams_app_id_is_noted(tmp_path: Path) -> None:
    result = cli("--app-id", OTHER_ID, "--output", str(tmp_path / "x.zip"), configured=APP_ID)

    assert result.exit_code == 0, result.output
    assert "is not TEAMS_APP_ID" in result.stderr


def refused(result: Result, tmp_path: Path, sentence: str) -> None:
    assert result.exit_code == 2, result.output
    assert sentence in result.stderr
    assert result.stderr.startswith("actionbot: ")
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not list(tmp_path.rglob("*.zip"))  # nothing written


@pytest.mark.parametrize("app_id", ["not-a-guid", "3f2504e0-4f89-41d3-9a0c-0305e82c330", ""])
def test_a_bad_app_id_is_refused_with_where_to_find_it(tmp_path: Path, app_id: str) -> None:
    result = cli("--app-id", app_id, "--output", str(tmp_path / "actionbot-teams.zip"))
    refused(result, tmp_path, APP_ID_SENTENCE)


def test_no_app_id_and_no_teams_app_id_is_refused(tmp_path: Path) -> None:
    result = cli("--output", str(tmp_path / "actionbot-teams.zip"))
    refused(result, tmp_path, f"{APP_ID_SENTENCE}; give --app-id, or set TEAMS_APP_ID")


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (["--output", "{tmp}/missing/actionbot-teams.zip"], "doesn't exist: create it first"),
        (["--output", "{tmp}/actionbot-teams.json"], "--output must be a .zip file"),
        (["--website-url", "http://www.worcs.gov.uk"], "--website-url must be an https://"),
        (["--privacy-url", "www.worcs.gov.uk/privacy"], "--privacy-url must be an https://"),
        (["--terms-url", "ftp://worcs.gov.uk/terms"], "--terms-url must be an https://"),
        (["--version", "1.0"], "--version must be MAJOR.MINOR.PATCH"),
        (["--developer-name", "x" * 33], "--developer-name must be 1 to 32"),
        (["--valid-domain", "https://intranet.gov.uk/"], "--valid-domain takes a domain only"),
    ],
)
def test_bad_options_are_refused_before_anything_is_written(
    tmp_path: Path, args: list[str], sentence: str
) -> None:
    given = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    if "--output" not in given:
        given += ["--output", str(tmp_path / "actionbot-teams.zip")]
    result = cli("--app-id", APP_ID, *given)
    refused(result, tmp_path, sentence)


def test_an_existing_package_is_kept_without_force(tmp_path: Path) -> None:
    output = tmp_path / "actionbot-teams.zip"
    output.write_bytes(b"an older package")

    result = cli("--app-id", APP_ID, "--output", str(output))

    assert result.exit_code == 2
    assert "already exists: use --force" in result.stderr
    assert output.read_bytes() == b"an older package"


def test_a_symlink_is_not_written_through(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me")
    link = tmp_path / "actionbot-teams.zip"
    link.symlink_to(target)

    result = cli("--app-id", APP_ID, "--output", str(link), "--force")

    assert result.exit_code == 2
    assert "symbolic link" in result.stderr
    assert target.read_text() == "keep me"
