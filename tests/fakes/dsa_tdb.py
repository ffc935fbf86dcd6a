"""A local fake of the EU DSA Transparency Database API (statements of reasons, 2025 schema).

It enforces what the official documentation and validation rules say (digital-services-act/
transparency-database: api-documentation, StatementStoreRequest, StatementMultipleAPIController,
PuidNotUniqueMultipleException): Bearer token, JSON headers, 1-100 statements per batch, required
fields per decision ground and type, enumerations, lengths, the puid alphabet, and puid uniqueness per
platform (422 with ``errors.existing_puids``, the whole batch refused). Failures can be injected:
``fail`` (5xx, nothing stored) and ``lose_response`` (stored, then a 5xx, as when the answer is lost).
"""

import json
import re
import threading
import uuid
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from childsafe.vocabulary.taxonomy import EEA_COUNTRIES, DsaCategory

VISIBILITY = {f"DECISION_VISIBILITY_{v}" for v in ("CONTENT_REMOVED", "CONTENT_DISABLED", "CONTENT_DEMOTED",
                                                  "CONTENT_AGE_RESTRICTED", "CONTENT_INTERACTION_RESTRICTED",
                                                  "CONTENT_LABELLED", "OTHER")}
MONETARY = {"DECISION_MONETARY_SUSPENSION", "DECISION_MONETARY_TERMINATION", "DECISION_MONETARY_OTHER"}
PROVISION = {"DECISION_PROVISION_PARTIAL_SUSPENSION", "DECISION_PROVISION_TOTAL_SUSPENSION",
             "DECISION_PROVISION_PARTIAL_TERMINATION", "DECISION_PROVISION_TOTAL_TERMINATION"}
ACCOUNT = {"DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED"}
GROUNDS = {"DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT"}
CONTENT_TYPES = {f"CONTENT_TYPE_{v}" for v in ("APP", "AUDIO", "IMAGE", "PRODUCT", "SYNTHETIC_MEDIA", "TEXT",
                                              "VIDEO", "OTHER")}
CATEGORIES = {c.value for c in DsaCategory}
SOURCES = {"SOURCE_ARTICLE_16", "SOURCE_TRUSTED_FLAGGER", "SOURCE_TYPE_OTHER_NOTIFICATION", "SOURCE_VOLUNTARY"}
AUTOMATED_DECISION = {"AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_PARTIALLY", "AUTOMATED_DECISION_NOT_AUTOMATED"}
YES_NO = {"Yes", "No"}
TEXT_LIMITS = {"decision_visibility_other": 500, "decision_monetary_other": 500, "decision_ground_reference_url": 500,
               "illegal_content_legal_ground": 500, "illegal_content_explanation": 2000,
               "incompatible_content_ground": 500, "incompatible_content_explanation": 2000,
               "content_type_other": 500, "category_specification_other": 500, "decision_facts": 5000,
               "source_identity": 500, "puid": 500}
DATES = ("content_date", "application_date", "end_date_account_restriction", "end_date_monetary_restriction",
         "end_date_service_restriction", "end_date_visibility_restriction")
KNOWN = (set(TEXT_LIMITS) | set(DATES) | {
    "decision_visibility", "decision_monetary", "decision_provision", "decision_account", "account_type",
    "decision_ground", "incompatible_content_illegal", "content_type", "category", "category_addition",
    "category_specification", "territorial_scope", "content_language", "source_type", "automated_detection",
    "automated_decision", "content_id"})
PUID = re.compile(r"^[a-zA-Z0-9_-]+$")
KEYWORD = re.compile(r"^KEYWORD_[A-Z_]+$")


def validate(s: Any) -> dict[str, str]:
    """The validation errors of one statement, field -> message (empty when valid)."""
    if not isinstance(s, dict):
        return {"statement": "must be an object"}
    errors: dict[str, str] = {}
    for key in set(s) - KNOWN:
        errors[key] = "unknown attribute"

    def one_of(field: str, allowed: set[str], required: bool = False) -> None:
        if field not in s or s[field] is None:
            if required:
                errors[field] = "required"
        elif s[field] not in allowed:
            errors[field] = "invalid value"

    def list_of(field: str, allowed: set[str] | re.Pattern[str], required: bool = False) -> None:
        value = s.get(field)
        if value is None:
            if required:
                errors[field] = "required"
            return
        ok = isinstance(value, list) and value and all(
            isinstance(v, str) and (v in allowed if isinstance(allowed, set) else allowed.match(v)) for v in value)
        if not ok:
            errors[field] = "invalid value"

    for field, limit in TEXT_LIMITS.items():
        if field in s and (not isinstance(s[field], str) or len(s[field]) > limit):
            errors[field] = f"must be a string of at most {limit} characters"
    if not any(s.get(f) for f in ("decision_visibility", "decision_monetary", "decision_provision",
                                  "decision_account")):
        errors["decision_visibility"] = "one of the decision_* fields is required"
    list_of("decision_visibility", VISIBILITY)
    one_of("decision_monetary", MONETARY)
    one_of("decision_provision", PROVISION)
    one_of("decision_account", ACCOUNT)
    one_of("account_type", {"ACCOUNT_TYPE_BUSINESS", "ACCOUNT_TYPE_PRIVATE"})
    one_of("decision_ground", GROUNDS, required=True)
    one_of("incompatible_content_illegal", YES_NO)
    list_of("content_type", CONTENT_TYPES, required=True)
    one_of("category", CATEGORIES, required=True)
    list_of("category_addition", CATEGORIES)
    list_of("category_specification", KEYWORD)
    list_of("territorial_scope", set(EEA_COUNTRIES))
    one_of("source_type", SOURCES, required=True)
    one_of("automated_detection", YES_NO, required=True)
    one_of("automated_decision", AUTOMATED_DECISION, required=True)
    for field in ("decision_facts", "puid", "content_date", "application_date"):
        if not s.get(field):
            errors[field] = "required"
    if isinstance(s.get("puid"), str) and not PUID.match(s["puid"]):
        errors["puid"] = "only a-z, A-Z, 0-9, - and _"
    if s.get("decision_ground") == "DECISION_GROUND_ILLEGAL_CONTENT":
        for field in ("illegal_content_legal_ground", "illegal_content_explanation"):
            if not s.get(field):
                errors[field] = "required for illegal content"
    if s.get("decision_ground") == "DECISION_GROUND_INCOMPATIBLE_CONTENT":
        for field in ("incompatible_content_ground", "incompatible_content_explanation"):
            if not s.get(field):
                errors[field] = "required for incompatible content"
    if "CONTENT_TYPE_OTHER" in (s.get("content_type") or []) and not s.get("content_type_other"):
        errors["content_type_other"] = "required with CONTENT_TYPE_OTHER"
    if "DECISION_VISIBILITY_OTHER" in (s.get("decision_visibility") or []) and not s.get("decision_visibility_other"):
        errors["decision_visibility_other"] = "required with DECISION_VISIBILITY_OTHER"
    if s.get("source_type") == "SOURCE_VOLUNTARY" and "source_identity" in s:
        errors["source_identity"] = "excluded for voluntary sources"
    for field in DATES:
        if field in s and s[field] is not None:
            try:
                parsed = date.fromisoformat(s[field])
                if not 2000 <= parsed.year <= 2038 or len(s[field]) != 10:
                    raise ValueError
            except (TypeError, ValueError):
                errors[field] = "must be a Y-m-d date between 2000 and 2038"
    return errors


class FakeTdb:
    """Start with ``with FakeTdb() as tdb:``; ``tdb.url`` is the base URL, ``tdb.token`` the API token."""

    def __init__(self, token: str = "test-token", platform: str = "Example Platform") -> None:
        self.token = token
        self.platform = platform
        self.stored: dict[str, dict[str, Any]] = {}  # puid -> statement as created
        self.batches: list[int] = []  # sizes of accepted and refused batch calls, in order
        self.posts_per_puid: dict[str, int] = {}
        self.inject: list[str] = []  # "fail" or "lose_response", consumed one per statements call
        self._lock = threading.Lock()
        self._next_id = 1000
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeTdb":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _create(self, statement: dict[str, Any]) -> dict[str, Any]:
        self._next_id += 1
        created = statement | {"uuid": str(uuid.uuid4()), "id": self._next_id, "platform_name": self.platform,
                               "created_at": "2026-12-02 05:00:00",
                               "permalink": f"{self.url}/statement/{self._next_id}",
                               "self": f"{self.url}/api/v1/statement/{self._next_id}"}
        self.stored[statement["puid"]] = created
        return created

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorised(self) -> bool:
                if self.headers.get("Authorization") != f"Bearer {fake.token}":
                    self._send(401, {"message": "Unauthenticated."})
                    return False
                if "application/json" not in (self.headers.get("Accept") or ""):
                    self._send(406, {"message": "Accept: application/json is required"})
                    return False
                return True

            def do_GET(self) -> None:
                if not self._authorised():
                    return
                match = re.fullmatch(r"/api/v1/statement/existing-puid/([^/]+)", self.path)
                if not match:
                    self._send(404, {"message": "Not Found"})
                    return
                with fake._lock:
                    found = fake.stored.get(match.group(1))
                if found is None:
                    self._send(404, {"message": f"statement of reason not found: {match.group(1)}"})
                else:
                    self._send(302, found)

            def do_POST(self) -> None:
                if not self._authorised():
                    return
                if "application/json" not in (self.headers.get("Content-Type") or ""):
                    self._send(415, {"message": "Content-Type: application/json is required"})
                    return
                try:
                    body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                except ValueError:
                    self._send(400, {"message": "malformed JSON"})
                    return
                if self.path == "/api/v1/statements":
                    self._multiple(body)
                elif self.path == "/api/v1/statement":
                    self._multiple({"statements": [body]}, single=True)
                else:
                    self._send(404, {"message": "Not Found"})

            def _multiple(self, body: Any, single: bool = False) -> None:
                statements = body.get("statements") if isinstance(body, dict) else None
                if not isinstance(statements, list) or not 1 <= len(statements) <= 100:
                    fake.batches.append(len(statements) if isinstance(statements, list) else -1)
                    self._send(422, {"message": "The statements field must have between 1 and 100 items.",
                                     "errors": {"statements": ["The statements field must have between 1 and 100 "
                                                               "items."]}})
                    return
                with fake._lock:
                    fake.batches.append(len(statements))
                    errors = {f"statements.{i}.{field}": [message] for i, s in enumerate(statements)
                              for field, message in validate(s).items()}
                    if errors:
                        self._send(422, {"message": "The given data was invalid.", "errors": errors})
                        return
                    puids = [s["puid"] for s in statements]
                    duplicates = sorted({p for p in puids if puids.count(p) > 1 or p in fake.stored})
                    if duplicates:
                        message = "The platform identifier(s) are not all unique within this call."
                        self._send(422, {"message": message, "errors": {"puid": [message],
                                                                         "existing_puids": duplicates}})
                        return
                    mode = fake.inject.pop(0) if fake.inject else None
                    if mode == "fail":
                        self._send(503, {"message": "Service Unavailable"})
                        return
                    created = [fake._create(s) for s in statements]
                    for p in puids:
                        fake.posts_per_puid[p] = fake.posts_per_puid.get(p, 0) + 1
                if mode == "lose_response":
                    self._send(502, {"message": "Bad Gateway"})
                    return
                self._send(201, created[0] if single else {"statements": created})

        return Handler
