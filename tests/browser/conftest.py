"""End-to-end tests in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright for Python).

One service (uvicorn, in a thread, on a free port, over a temporary SQLite database) and one browser serve the
whole session; every test gets a fresh browser context. ``scripts/browser-deps.sh`` (run by ``make install``)
installs Chromium and axe-core; Playwright never downloads a browser here.
"""

import html
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from childsafe import access, evidence
from childsafe.api import create_app
from childsafe.audit import Actor
from childsafe.config import Settings, make_settings
from childsafe.console import auth
from childsafe.store import Database
from childsafe.store.migrate import upgrade
from childsafe.vocabulary import Role

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
FORM_SECRET = "browser-test-form-secret"
PASSWORD = "correct horse battery staple"
SETUP = Actor("browser-test-setup", Role.ADMIN.value, "browser test setup")
# Console people (username -> role) and API keys (name -> role) every browser test can use.
PEOPLE = {"mod": Role.MODERATOR, "spec": Role.CHILD_SAFETY_SPECIALIST, "comp": Role.COMPLIANCE, "admin": Role.ADMIN}
KEYS = {"service": Role.SERVICE, "moderator2": Role.MODERATOR, "specialist2": Role.CHILD_SAFETY_SPECIALIST}


@dataclass
class LiveServer:
    url: str
    db: Database
    settings: Settings
    keys: dict[str, dict[str, str]]  # name -> Authorization header for the /v1 API
    platform: str  # an origin allowed to embed the report form: GET {platform}/embed?src=URL frames URL
    stranger: str  # an origin that is not allowed to


class _EmbeddingPage(BaseHTTPRequestHandler):
    """A platform's page that frames the report form (another origin: same host, another port)."""

    def do_GET(self) -> None:
        src = parse_qs(urlsplit(self.path).query).get("src", [""])[0]
        body = ("<!doctype html><html lang='en'><title>Platform</title><h1>Our app</h1>"
                f"<iframe title='Report' src='{html.escape(src)}' width='820' height='1500'></iframe>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def _embedding_server() -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EmbeddingPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _listening_socket() -> socket.socket:
    """A socket already bound to a free port and handed to uvicorn as is: picking a port number and binding
    it later would let another process (say, a second xdist worker) take the port in between."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def _seed_people(db: Database) -> dict[str, dict[str, str]]:
    """Console accounts and API keys, made through the capabilities' own public functions."""
    with db.transaction() as session:
        for username, role in PEOPLE.items():
            auth.create_user(session, username=username, display_name=f"{username.capitalize()} Example",
                             role=role, password=PASSWORD, actor=SETUP)
        return {name: {"Authorization": f"Bearer {access.create_key(session, role, name, SETUP).token}"}
                for name, role in KEYS.items()}


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``create_app`` served by uvicorn in a thread, as ``childsafe serve`` would, on a fresh SQLite database."""
    directory = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{directory / 'childsafe.db'}"
    upgrade(url)
    (platform, platform_url), (stranger, stranger_url) = _embedding_server(), _embedding_server()
    key_file = directory / "evidence-keys.json"
    evidence.init_key(key_file)
    settings = make_settings(database_url=url, task_queue="none", report_form_secret=FORM_SECRET,
                             report_form_frame_ancestors=f"'self' {platform_url}",
                             evidence_key_file=str(key_file), evidence_dir=str(directory / "evidence"))
    evidence.configure(settings)
    db = Database(url)
    keys = _seed_people(db)
    sock = _listening_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings, db=db), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield LiveServer(f"http://127.0.0.1:{port}", db, settings, keys, platform_url, stranger_url)
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()
    platform.shutdown()
    stranger.shutdown()
    db.dispose()


@pytest.fixture(autouse=True)
def _live_server_registrations(_fresh_process_registries: None, live_server: LiveServer) -> None:
    """The live server is one process-wide app for the whole session, but tests/conftest.py forgets
    process-wide registrations before each test: register the server's again, as its ``create_app`` and
    routes do, after that reset (hence the explicit dependency, which fixes the order)."""
    from childsafe.referrals import cybertip
    from childsafe.transparency import submission

    evidence.configure(live_server.settings)
    submission.configure(live_server.db, live_server.settings)
    cybertip.bind(live_server.db, live_server.settings)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: run `bash scripts/browser-deps.sh` (make install does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    ctx = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-GB")
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A tab that fails the test on any JavaScript error or CSP violation the page reports."""
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    tab.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}")
           if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
    yield tab
    assert not problems, problems


def screenshot(page: Page, name: str) -> Path:
    """Saved as a test artefact for people to look at: test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


_BLOCKING = ("serious", "critical")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the current page (WCAG 2.x A/AA rules and best practices).

    axe is evaluated through the DevTools protocol, so the page's strict Content-Security-Policy stays on.
    """
    if not AXE.exists():
        raise RuntimeError(f"{AXE} is missing: run `bash scripts/browser-deps.sh` (make install does)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
            nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary}))}));
    }""")
    return [v for v in result if v["impact"] in _BLOCKING]


def assert_accessible(page: Page, name: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe found serious/critical violations on {name}:\n" + json.dumps(violations, indent=1)


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Through the sign-in page, as a person would."""
    page.goto("/console/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)
