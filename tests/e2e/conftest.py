"""Real-browser tests: a live `chesanto serve` on a free port, driven by Playwright on Debian's Chromium."""

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.databases import IN_CI

CHROMIUM = os.environ.get("CHESANTO_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Module-scoped: sync Playwright runs an event loop that must be gone before the async UI tests run."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM}"
        if IN_CI:
            pytest.fail(message + " (CI=true: the browser tests are required)", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@contextmanager
def running_server(database_url: str, directory: Path) -> Iterator[str]:
    """`chesanto serve` in a subprocess on `database_url` (its data and log in `directory`); yields its base URL."""
    port = _free_port()
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "NICEGUI_"))}
    env = {**inherited, "CHESANTO_DATABASE_URL": database_url, "CHESANTO_ENV": "test", "PORT": str(port),
           "HOST": "127.0.0.1", "CHESANTO_DATA_DIR": str(directory / "data")}
    directory.mkdir(parents=True, exist_ok=True)
    log = (directory / "server.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "dashboard.cli", "serve"], env=env, stdout=log,
                               stderr=subprocess.STDOUT, cwd=directory)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + "/health/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("server did not start:\n" + (directory / "server.log").read_text())
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
def live_server(db: str, tmp_path: Path) -> Iterator[str]:
    """`chesanto serve` in a subprocess on the test database; yields its base URL."""
    with running_server(db, tmp_path) as base:
        yield base


@pytest.fixture
def page(browser: object, request: pytest.FixtureRequest) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1366, "height": 800})  # type: ignore[attr-defined]
    page = context.new_page()
    yield page
    context.close()


def save_screenshot(page: object, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
