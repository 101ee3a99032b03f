"""Ralph, the Learning Record Store, started by the tests on 127.0.0.1 with its file backend."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import requests

from tests.interop.counterparts import (
    PYTHON,
    Service,
    counterpart_env,
    free_port,
    require_counterparts,
)

USERNAME = "academy"
PASSWORD = "ralph-test-password-1"
XAPI_HEADERS = {"X-Experience-API-Version": "1.0.3"}


class Ralph(Service):
    """Ralph's LRS API (FastAPI under uvicorn) storing statements in a JSON-lines file in
    `folder`: stopping and starting it again keeps what it stored."""

    def __init__(self, folder: Path):
        require_counterparts()
        folder.mkdir(parents=True, exist_ok=True)
        auth_file = folder / "auth.json"
        env = counterpart_env(
            RALPH_AUTH_FILE=str(auth_file),
            RALPH_RUNSERVER_BACKEND="fs",
            RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH=str(folder / "statements"),
        )
        if not auth_file.exists():
            subprocess.run(
                [
                    str(PYTHON), "-m", "ralph", "auth",
                    "--username", USERNAME, "--password", PASSWORD,
                    "--scope", "statements/write", "--scope", "statements/read",
                    "--agent-ifi-account", USERNAME, "http://127.0.0.1",
                    "--write-to-disk",
                ],
                env=env,
                check=True,
                capture_output=True,
                timeout=120,
            )  # fmt: skip
        port = free_port()
        super().__init__(
            "ralph",
            [str(PYTHON), str(Path(__file__).with_name("ralph_lrs.py")), str(port)],
            env=env,
            port=port,
            log=folder / "ralph.log",
            ready_path="/__lbheartbeat__",
        )

    @property
    def xapi_url(self) -> str:
        return f"{self.url}/xAPI/"

    def settings(self) -> dict[str, str]:
        """What the site is configured with to send to this LRS."""
        return {
            "LMS_LRS_URL": self.xapi_url,
            "LMS_LRS_USERNAME": USERNAME,
            "LMS_LRS_PASSWORD": PASSWORD,
        }

    def statements(self, **params) -> list[dict]:
        """Every statement the LRS holds matching the xAPI query `params`, read back through its
        /xAPI/statements resource (following `more`)."""
        found: list[dict] = []
        url = f"{self.url}/xAPI/statements"
        query = {
            "limit": 500,
            **{k: json.dumps(v) if isinstance(v, dict) else v for k, v in params.items()},
        }
        while url:
            response = requests.get(
                url, params=query, auth=(USERNAME, PASSWORD), headers=XAPI_HEADERS, timeout=30
            )
            response.raise_for_status()
            body = response.json()
            found.extend(body["statements"])
            more = body.get("more")
            url = f"{self.url}{more}" if more else None
            query = None
        return found
