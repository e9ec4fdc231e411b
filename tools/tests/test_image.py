"""tools/image.py: the image's pinned requirements, its build command, the engine and the smoke verdict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tools import image, kit

KIT = kit.load()
ROOT = kit.ROOT


def package(name: str, groups: list[str], markers: Any = None, source: dict[str, str] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": name, "version": "1.0", "groups": groups, "files": [{"hash": f"sha256:{name}"}]}
    if markers is not None:
        entry["markers"] = markers
    if source is not None:
        entry["source"] = source
    return entry


def test_requirements_pin_the_runtime_group_with_hashes_and_keep_markers_for_the_image() -> None:
    lock = [
        package("flask", ["main"]),
        package("async-timeout", ["main"], markers={"main": 'python_full_version < "3.11.3"'}),
        package("pytest", ["test"]),
        package("example", ["main"], source={"type": "directory", "url": "services/example"}),
    ]
    with_markers, everything = image.requirements(lock)
    assert with_markers.splitlines()[1:] == [
        "flask==1.0 --hash=sha256:flask",
        'async-timeout==1.0; python_full_version < "3.11.3" --hash=sha256:async-timeout',
    ]
    assert everything.splitlines()[1:] == [
        "flask==1.0 --hash=sha256:flask",
        "async-timeout==1.0 --hash=sha256:async-timeout",
    ]
    assert with_markers.startswith(image.HEADER)


def test_the_real_lock_gives_hash_pinned_runtime_requirements() -> None:
    with_markers, _ = image.requirements(image.locked(ROOT))
    lines = with_markers.splitlines()[1:]
    assert any(line.startswith("flask==") for line in lines)
    assert all("--hash=sha256:" in line for line in lines)
    assert not any(line.startswith(("pytest==", "govuk-layout==", "example==")) for line in lines)


def test_the_download_targets_the_image_python_and_platform() -> None:
    command = image.download_command("3.11", Path("req.txt"), Path("deps"))
    assert command[command.index("--python-version") + 1] == "3.11"
    assert "--platform=manylinux_2_36_x86_64" in command and "--require-hashes" in command


@pytest.mark.parametrize("engine_name", ["docker", "podman"])
def test_the_build_passes_the_kit_facts_as_build_args(engine_name: str) -> None:
    command = image.build_command(KIT, ROOT, "example", engine_name, {"IMAGE_TAG": "abc"})
    assert command[:2] == (["buildah", "bud"] if engine_name == "podman" else ["docker", "build"])
    args = {command[i + 1] for i, arg in enumerate(command) if arg == "--build-arg"}
    assert args == {
        f"PYTHON_BASE={KIT.python_base_image}",
        "SERVICE=example",
        f"APP_PORT={KIT.app_port}",
        f"UID={KIT.uid}",
    }
    assert command[command.index("--tag") + 1] == f"localhost/{KIT.team}-example:abc"


def test_a_local_base_is_never_pulled() -> None:
    command = image.build_command(KIT, ROOT, "example", "podman", {"PYTHON_BASE_IMAGE": image.STAND_IN_BASE})
    assert "--pull=never" in command
    assert f"PYTHON_BASE={image.STAND_IN_BASE}" in command


def test_the_reference_is_ci_s_repository_and_tag_when_set() -> None:
    environ = {"IMAGE_REPOSITORY": "ecr.invalid/repo", "IMAGE_TAG": "f00d"}
    assert image.reference(KIT, "example", environ) == "ecr.invalid/repo:f00d"


def test_the_dockerfile_takes_every_kit_build_arg() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for name in KIT.build_args():
        assert f"ARG {name}\n" in dockerfile


def test_container_settings_are_private_to_the_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONTAINERS_STORAGE_CONF", raising=False)
    monkeypatch.delenv("CONTAINERS_CONF", raising=False)
    env = image.container_env(tmp_path)
    assert f'graphroot = "{tmp_path / "storage"}"' in Path(env["CONTAINERS_STORAGE_CONF"]).read_text()
    assert 'runtime = "runc"' in Path(env["CONTAINERS_CONF"]).read_text()


def test_no_engine_names_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(image.NoEngine, match="apt-get install buildah podman"):
        image.engine(tmp_path)


@pytest.mark.parametrize(
    ("text", "mirror"),
    [
        ("Types: deb\nURIs: http://mirror.invalid/debian\nSuites: bookworm\n", "http://mirror.invalid/debian"),
        ("deb [signed-by=/k.gpg] http://m.invalid/debian bookworm main\n", "http://m.invalid/debian"),
    ],
)
def test_the_debian_mirror_is_read_from_apt_sources(tmp_path: Path, text: str, mirror: str) -> None:
    (tmp_path / "debian.sources").write_text(text)
    assert image.debian_mirror([tmp_path / "missing", tmp_path / "debian.sources"]) == mirror


def test_no_debian_mirror_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="no Debian mirror"):
        image.debian_mirror([tmp_path / "none"])


COUNTED = 'http_requests_total{endpoint="start.index",method="GET",status="200"} 1.0\n'


def test_a_healthy_image_has_no_smoke_problems() -> None:
    page = '<html lang="en" class="govuk-template govuk-template--rebranded">'
    assert image.smoke_problems(KIT, 200, (200, page), str(KIT.uid), COUNTED, False) == []


def test_a_start_page_off_the_template_is_a_smoke_problem() -> None:
    problems = image.smoke_problems(KIT, 200, (200, "<p>It works</p>"), str(KIT.uid), COUNTED, False)
    assert problems == ["/ is not a page on govuk-frontend's template"]


def test_each_smoke_problem_is_named() -> None:
    root = "0"
    problems = image.smoke_problems(KIT, 503, (500, "oops"), root, "", True)
    assert problems[0] == "/healthz gave 503, / gave 500"
    assert problems[1] == f"the app runs as UID {root}, not {KIT.uid}"
    assert problems[2].startswith("the metrics port does not count the start page")
    assert problems[3] == "the root filesystem is writable"


def test_a_wheel_without_govuk_frontend_is_caught() -> None:
    names = [f"govuk_layout/{name}" for name in image.VENDORED] + ["govuk_layout/static/fonts/bold.woff2"]
    assert image.unvendored(names) == []
    assert image.unvendored(names[1:]) == [image.VENDORED[0]]
    assert image.unvendored(names[:-1]) == ["static/fonts/*.woff2"]


def test_pins_are_the_lock_s_versions() -> None:
    (pin,) = image.pins(ROOT, "kubernetes-validate")
    locked = {package["name"]: package["version"] for package in image.locked(ROOT)}
    assert pin == f"kubernetes-validate=={locked['kubernetes-validate']}"
