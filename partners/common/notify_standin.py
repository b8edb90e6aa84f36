"""A small GOV.UK Notify-compatible server on 127.0.0.1, for tests and local trials.

It checks what Notify checks (a JWT signed with the key's secret, issued by the service id, no older
than 30 seconds), validates the request body of the v2 send endpoints, answers with Notify's response
shapes and keeps what it received in ``received``. Failures can be injected with ``fail_next``.
Not a mock of our code: our code talks HTTP to it exactly as it would to Notify.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt

SERVICE_ID = "7c3b7b0e-5f4a-4d8e-9a2b-1d2c3e4f5a6b"
SECRET = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"  # noqa: S105 - the stand-in's own test key  # nosec B105
API_KEY = f"partners_test-{SERVICE_ID}-{SECRET}"


class NotifyStandIn:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.fail_next: list[tuple[int, str]] = []
        self._lock = threading.Lock()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _reply(self, status: int, payload: dict[str, Any]) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _error(self, status: int, error: str, message: str) -> None:
                self._reply(status, {"status_code": status, "errors": [{"error": error, "message": message}]})

            def do_POST(self) -> None:
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                try:
                    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_iat": False})
                except jwt.PyJWTError:
                    return self._error(403, "AuthError", "Invalid token: signature, api token not found")
                if claims.get("iss") != SERVICE_ID or abs(time.time() - claims.get("iat", 0)) > 30:
                    return self._error(403, "AuthError", "Invalid token: iss or iat")
                length = int(self.headers.get("Content-Length", 0))
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except json.JSONDecodeError:
                    return self._error(400, "ValidationError", "Invalid JSON")
                kind = self.path.rstrip("/").rsplit("/", 1)[-1]
                required = {"sms": "phone_number", "email": "email_address", "letter": "personalisation"}
                if kind not in required or self.path.rstrip("/") != f"/v2/notifications/{kind}":
                    return self._error(404, "NotFound", "Not found")
                if not body.get(required[kind]) or not body.get("template_id"):
                    return self._error(400, "ValidationError", f"{required[kind]} is a required property")
                with standin._lock:
                    if standin.fail_next:
                        status, message = standin.fail_next.pop(0)
                        return self._error(status, "Error", message)
                    notification_id = str(uuid.uuid4())
                    standin.received.append({"id": notification_id, "kind": kind, **body})
                content: dict[str, Any] = {"body": json.dumps(body.get("personalisation", {}))}
                if kind == "sms":
                    content["from_number"] = "PARTNERS"
                elif kind == "email":
                    content.update({"subject": "PARTNERS", "from_email": "partners@notifications.service.gov.uk"})
                self._reply(201, {
                    "id": notification_id, "reference": body.get("reference"), "content": content,
                    "uri": f"http://127.0.0.1/v2/notifications/{notification_id}",
                    "template": {"id": body["template_id"], "version": 1, "uri": "http://127.0.0.1/templates/1"},
                })

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        port = self.server.server_address[1]
        return f"http://127.0.0.1:{port}"

    def start(self) -> NotifyStandIn:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
