"""GraphiQL at /graphql/ is served entirely by the app itself (no CDN) and works in a browser.

The assets come from static_vendor/graphiql/, which bin/install-graphiql-assets fills from
the npm versions pinned in package.json; the page is schema/templates/graphql/graphiql.html.
"""

import json
import os
import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, LAUNCH_TIMEOUT_MS
from tests.support.documents import EXAMPLE
from tests.support.ids import gid
from users.services import company_create
from workflow_design import diagram
from workflow_design.services import workflow_upload

pytestmark = pytest.mark.slow  # a live server and headless Chromium

TIMEOUT_MS = 6_000  # per page step; the whole browser test is bounded to about 30 s
INSTALL_HINT = "run bin/install-graphiql-assets (the GraphiQL assets are not installed)"

# Every src= / href= in the page (scripts, stylesheets, the icon).
URL_ATTRIBUTE = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)


def graphiql_page(client: Client):
    response = client.get("/graphql/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/html")
    return response


@pytest.mark.django_db  # closing a response closes old database connections
def test_graphiql_page_references_only_assets_the_app_serves(client):
    response = graphiql_page(client)
    html = response.content.decode()

    assert "<title>TicketFlower GraphiQL</title>" in html
    assert "http://" not in html, "the GraphiQL page must not reference any external host"
    assert "https://" not in html, "the GraphiQL page must not reference any external host"
    # The page renders the CSRF token, so the response sets the cookie its script sends back.
    assert settings.CSRF_COOKIE_NAME in response.cookies

    urls = [url for url in URL_ATTRIBUTE.findall(html) if not url.startswith("data:")]
    assert urls, "the page references no assets at all"
    names = {url.rsplit("/", 1)[-1] for url in urls}
    assert {"react.production.min.js", "react-dom.production.min.js", "graphiql.min.js", "graphiql.min.css"} <= names
    for url in urls:
        assert url.startswith("/"), f"{url} is not served by the app"
        assert not url.startswith("//"), f"{url} is not served by the app"
        asset = client.get(url)
        try:
            assert asset.status_code == 200, f"GET {url} -> {asset.status_code}: {INSTALL_HINT}"
            body = b"".join(asset.streaming_content) if asset.streaming else asset.content
            assert body, f"GET {url} is empty"
        finally:
            asset.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_query_typed_into_graphiql_runs_as_the_session_user(live_server):
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed (apt-get install chromium); GraphiQL browser test skipped"
        print(reason)
        pytest.skip(reason)
    from playwright.sync_api import expect, sync_playwright

    user = company_create(
        company_name="Graphiql Tickets Ltd",
        username="graphiql-alice",
        email="alice@example.com",
        password="correct-horse-battery-42",
    ).user
    if diagram.dot_program() is None:
        reason = "Graphviz's dot is not installed (apt-get install graphviz); GraphiQL browser test skipped"
        print(reason)
        pytest.skip(reason)
    workflow = workflow_upload(acting_user=user, document=EXAMPLE).row
    django_client = Client()
    django_client.force_login(user)
    session_id = django_client.cookies[settings.SESSION_COOKIE_NAME].value

    origin = live_server.url.rstrip("/")
    requested: list[str] = []
    failures: list[str] = []
    page_errors: list[str] = []

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=LAUNCH_TIMEOUT_MS
        )
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": session_id,
                        "domain": urlsplit(origin).hostname,
                        "path": "/",
                    }
                ]
            )
            # Every request of the context (pages, workers), not only those of the page.
            context.on("request", lambda request: requested.append(request.url))
            context.on("requestfailed", lambda request: failures.append(f"{request.url}: {request.failure}"))
            context.on(
                "response", lambda response: response.ok or failures.append(f"{response.url}: {response.status}")
            )
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.on("pageerror", lambda error: page_errors.append(str(error)))

            response = page.goto(f"{origin}/graphql/", wait_until="load", timeout=TIMEOUT_MS)
            assert response is not None
            assert response.ok, response.status
            served_html = response.text()
            assert "http://" not in served_html
            assert "https://" not in served_html

            # GraphiQL has rendered when its query editor (CodeMirror 5) is there.
            editor = page.locator(".graphiql-query-editor .CodeMirror")
            expect(editor).to_be_visible(timeout=TIMEOUT_MS)

            # GraphiQL fetches the schema once it has rendered, and re-renders the editor when it
            # arrives: typing before that, on a busy machine, had the cursor jump mid-query.
            page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
            query = "{ me { username company { name } } }"
            editor.click()
            page.keyboard.press("Control+A")
            page.keyboard.press("Delete")
            page.keyboard.type(query)
            typed = page.evaluate("document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue()")
            assert typed == query  # the editor closes brackets itself; typing over them must give the same text

            page.keyboard.press("Control+Enter")
            result_pane = page.locator(".graphiql-response")
            expect(result_pane).to_contain_text('"username": "graphiql-alice"', timeout=TIMEOUT_MS)
            expect(result_pane).to_contain_text('"name": "Graphiql Tickets Ltd"')
            result = json.loads(
                page.evaluate("document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue()")
            )
            assert result == {
                "data": {"me": {"username": "graphiql-alice", "company": {"name": "Graphiql Tickets Ltd"}}}
            }

            # A workflowDiagram's SVG shows in the "Workflow diagram" panel (GraphiQL shows strings as text).
            # Typing was checked above; the editor's closing brackets race a second typed query on a busy machine.
            diagram_query = f'{{ workflowDiagram(id: "{gid(workflow)}", format: SVG) {{ dataUri errors {{ code }} }} }}'
            page.evaluate(
                "(text) => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(text)",
                diagram_query,
            )
            editor.click()
            page.keyboard.press("Control+Enter")
            expect(result_pane).to_contain_text("data:image/svg+xml;base64,", timeout=TIMEOUT_MS)
            show, hide = (page.get_by_role("button", name=f"{verb} Workflow diagram") for verb in ("Show", "Hide"))
            for _ in range(3):  # GraphiQL re-renders its sidebar as an answer lands: a click then can be lost
                show.click()
                try:
                    expect(hide).to_be_visible(timeout=2000)
                    break
                except AssertionError:
                    continue
            diagram_image = page.locator("img.workflow-diagram")
            expect(diagram_image).to_be_visible(timeout=TIMEOUT_MS)
            assert page.evaluate("document.querySelector('img.workflow-diagram').naturalWidth") > 0
            if screenshot := os.environ.get("GRAPHIQL_SCREENSHOT"):
                page.screenshot(path=screenshot)
        finally:
            browser.close()

    foreign = [url for url in requested if not (url.startswith(f"{origin}/") or url.startswith("data:"))]
    assert not foreign, f"requests left the app's origin {origin}: {foreign}"
    assert f"{origin}/graphql/" in requested
    assert any(url.startswith(f"{origin}/static/graphiql/") for url in requested), requested
    assert not failures, failures
    assert not page_errors, page_errors
