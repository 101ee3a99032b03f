"""The LTI 1.3 platform (tests/interop/lti_platform.py) as the tests start and drive it, and a
browser that follows a launch from the platform to the site."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import requests

from tests.interop.counterparts import (
    PYTHON,
    Service,
    counterpart_env,
    free_port,
    require_counterparts,
)

CLIENT_ID = "cluster-academy-tool"
DEPLOYMENT_ID = "deployment-1"


class Platform(Service):
    def __init__(self, folder: Path, *, tool_url: str, members: list[dict] | None = None):
        require_counterparts()
        folder.mkdir(parents=True, exist_ok=True)
        port = free_port()
        config = folder / "platform.json"
        config.write_text(
            json.dumps(
                {
                    "port": port,
                    "client_id": CLIENT_ID,
                    "deployment_id": DEPLOYMENT_ID,
                    "tool_login_url": f"{tool_url}/lti/login/",
                    "tool_launch_url": f"{tool_url}/lti/launch/",
                    "tool_jwks_url": f"{tool_url}/lti/jwks.json",
                    "members": members or [],
                }
            )
        )
        super().__init__(
            "lti-platform",
            [str(PYTHON), str(Path(__file__).with_name("lti_platform.py")), str(config)],
            env=counterpart_env(),
            port=port,
            log=folder / "platform.log",
            ready_path="/jwks",
        )

    def registration(self) -> dict:
        """What the site's staff enter in the admin to register this platform."""
        return {
            "name": "Test University LMS",
            "issuer": self.url,
            "client_id": CLIENT_ID,
            "deployment_ids": DEPLOYMENT_ID,
            "auth_login_url": f"{self.url}/authorize",
            "auth_token_url": f"{self.url}/token",
            "key_set_url": f"{self.url}/jwks",
        }

    def state(self) -> dict:
        return requests.get(f"{self.url}/test/state", timeout=10).json()


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append((attrs.get("action"), {}))
        if tag == "input" and attrs.get("name") and self.forms:
            self.forms[-1][1][attrs["name"]] = attrs.get("value", "")


def form_of(html: str, field: str | None = None) -> tuple[str, dict]:
    """The self-posting form of a page: the one carrying a signed token (id_token or JWT)."""
    parser = _Forms()
    parser.feed(html)
    for action, fields in parser.forms:
        if field in fields if field else ({"id_token", "JWT"} & set(fields)):
            return action, fields
    raise AssertionError(f"no form with a token in the page:\n{html[:2000]}")


class Browser:
    """A person's browser: follows redirects, keeps cookies, submits the self-posting forms."""

    def __init__(self):
        self.session = requests.Session()

    def open_link(self, platform: Platform, **params) -> tuple[str, dict]:
        """Open a link in the LMS: through the tool's OIDC login to the platform's signed launch
        form. Returns the form's action (the tool's launch URL) and its fields."""
        response = self.session.get(f"{platform.url}/launch", params=params, timeout=30)
        response.raise_for_status()
        return form_of(response.text)

    def post(self, url: str, fields: dict, **kwargs) -> requests.Response:
        return self.session.post(url, data=fields, timeout=30, **kwargs)

    def launch(self, platform: Platform, **params) -> requests.Response:
        action, fields = self.open_link(platform, **params)
        return self.post(action, fields)

    def get(self, url: str, **kwargs) -> requests.Response:
        return self.session.get(url, timeout=30, **kwargs)
