"""Text risk detection over the API: messages, batches, conversations, limits, obfuscation, personal
information, languages, and a platform's own model behind a timeout with a fallback."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from fastapi.testclient import TestClient

from childsafe.api import create_app
from childsafe.detect.external import ExternalClassifier
from childsafe.detect.service import Detector

PROBLEM = "application/problem+json"


def scan(client, keys, **body):
    return client.post("/v1/scan/text", json=body, headers=keys["service"])


def one(client, keys, text, **extra):
    response = scan(client, keys, text=text, **extra)
    assert response.status_code == 200, response.text
    [result] = response.json()["results"]
    return result


def test_a_harmful_message_is_flagged_with_the_words_that_drove_it(client, keys):
    text = "you are worthless and everyone at school hates you, go kill yourself"
    result = one(client, keys, text)
    assert result["flagged"], result
    assert result["model_version"] and result["language"] == "en" and result["coverage"] == "full"
    for cue in result["cues"]:
        assert text[cue["start"]:cue["end"]] == cue["text"]
    benign = one(client, keys, "can we do the science homework together after football?")
    assert benign["flagged"] == [] and benign["categories"] == []


def test_obfuscation_does_not_hide_a_request_for_images(client, keys):
    plain = one(client, keys, "send me pics of you without clothes")
    spaced = one(client, keys, "s e n d  m e  p i c s of you without cl0thes")
    assert plain["flagged"] and set(spaced["flagged"]) & set(plain["flagged"])


def test_personal_information_warns_a_child_but_not_an_adult(client, keys):
    text = "my number is 07700 900123 and i go to Lincoln Middle School"
    child = one(client, keys, text, sender_age_band="10_12")
    kinds = {p["kind"] for p in child["personal_info"]}
    assert {"phone", "school"} <= kinds and child["child_warning"]
    unknown = one(client, keys, text)  # unknown age counts as a child
    assert unknown["child_warning"]
    adult = one(client, keys, text, sender_age_band="adult")
    assert adult["personal_info"] and adult["child_warning"] is None


def test_other_languages_are_reported_as_reduced_coverage(client, keys):
    result = one(client, keys, "Je voudrais savoir à quelle heure commence le cours de mathématiques demain")
    assert result["language"] == "fr" and result["coverage"] == "reduced"


@pytest.mark.parametrize("text", ["", "   ", "🙂🙂🔥", "hello\x07world\u200b\x1b[31m", "Привет hello 你好 مرحبا",
                                  "\uff46\uff55\uff4c\uff4c width text", "a" * 10_000])
def test_odd_but_valid_text_is_scored(client, keys, text):
    result = one(client, keys, text)
    assert set(result["scores"]) and all(0 <= v <= 1 for v in result["scores"].values())


def test_limits_and_malformed_bodies_are_clear_errors(client, keys):
    too_long = scan(client, keys, text="a" * 10_001)
    assert too_long.status_code == 422 and too_long.headers["content-type"] == PROBLEM
    assert "10000" in too_long.text
    assert scan(client, keys, texts=["x"] * 257).status_code == 422
    both = scan(client, keys, text="a", texts=["b"])
    assert both.status_code == 422 and "either" in both.text
    assert scan(client, keys).status_code == 422
    huge = client.post("/v1/scan/text", content=b'{"text": "' + b"a" * 300_000 + b'"}',
                       headers=keys["service"] | {"Content-Type": "application/json"})
    assert huge.status_code == 413
    bad_utf8 = client.post("/v1/scan/text", content=b'{"text": "caf\xe9 \xff"}',
                           headers=keys["service"] | {"Content-Type": "application/json"})
    assert bad_utf8.status_code in (400, 422) and bad_utf8.headers["content-type"] == PROBLEM
    nul = scan(client, keys, text="hello\x00world")  # the one control character the API refuses everywhere
    assert nul.status_code == 422 and "NUL" in nul.text


def test_a_batch_scores_like_single_messages(client, keys):
    texts = ["i want to hurt myself tonight", "lovely weather for the match", "show me your body"]
    batch = scan(client, keys, texts=texts).json()["results"]
    singles = [one(client, keys, t) for t in texts]
    assert [b["scores"] for b in batch] == [s["scores"] for s in singles]


GROOMING = [
    ("adult", "hey ur really pretty, way more mature than girls your age"),
    ("kid", "thanks lol"),
    ("adult", "how old are you? where do you go to school?"),
    ("kid", "im 12"),
    ("adult", "dont tell your parents we talk ok, its our secret"),
    ("adult", "add me on snap so we can talk private"),
    ("adult", "send me a pic of you in your pjs"),
]


def conversation(client, keys, messages, bands=("adult", "10_12"), **extra):
    body = {"thread_id": "thread-1", "contact_age_days": 2,
            "participants": [{"id": "adult", "age_band": bands[0]}, {"id": "kid", "age_band": bands[1]}],
            "messages": [{"sender": s, "text": t} for s, t in messages]} | extra
    return client.post("/v1/scan/conversation", json=body, headers=keys["service"])


def test_a_grooming_conversation_raises_an_alert_for_a_specialist(client, keys):
    response = conversation(client, keys, GROOMING)
    assert response.status_code == 200, response.text
    risk = response.json()
    assert risk["alert"] is True and risk["level"] in ("high", "medium") and risk["case_id"]
    assert {"isolation_secrecy", "image_request"} <= {s["stage"] for s in risk["stages"]} and risk["drivers"]
    case = client.get(f"/v1/cases/{risk['case_id']}", headers=keys["child_safety_specialist"]).json()
    assert case["queue"] == "child_safety" and case["subject_type"] == "message_thread"
    [signal] = case["signals"]
    assert signal["kind"] == "grooming_alert" and signal["details"]["stages"]
    stored = json.dumps(case)  # the case names stages and message positions, never the messages' words
    assert "pjs" not in stored and "dont tell" not in stored and "(message 7)" in stored
    assert client.get(f"/v1/cases/{risk['case_id']}", headers=keys["moderator"]).status_code == 403


def test_the_same_words_between_classmates_do_not_alert(client, keys):
    classmates = [("adult", "add me on snap so we can talk about the project"), ("kid", "ok whats ur snap"),
                  ("adult", "its sam_2013, see u at the park after school"), ("kid", "cool see u there")]
    risk = conversation(client, keys, classmates, bands=("10_12", "10_12")).json()
    assert risk["alert"] is False and risk["case_id"] is None


def test_conversation_input_is_checked(client, keys):
    unknown = conversation(client, keys, [("stranger", "hi")])
    assert unknown.status_code == 422 and "stranger" in unknown.text
    with_messages = conversation(client, keys, GROOMING[:2], include_messages=True).json()
    assert len(with_messages["messages"]) == 2


class _ModelServer(BaseHTTPRequestHandler):
    mode = "ok"

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.mode == "slow":
            time.sleep(1.0)
        payload = {"model": "platform-v7", "results": [{"scores": {"harassment": 0.99}} for _ in body["texts"]]}
        if self.mode == "bad":
            payload = {"results": "nope"}
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def model_server():
    server = HTTPServer(("127.0.0.1", 0), _ModelServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


@pytest.mark.parametrize(("mode", "fallback"), [("ok", False), ("slow", True), ("bad", True)])
def test_an_external_model_is_used_with_a_timeout_and_a_fallback(model_server, mode, fallback):
    _ModelServer.mode = mode
    url = f"http://127.0.0.1:{model_server.server_address[1]}/score"
    detector = Detector(external=ExternalClassifier(url, timeout=0.3))
    started = time.monotonic()
    [result] = detector.scan(["see you at practice tomorrow"])
    assert time.monotonic() - started < 2
    assert result.fallback is fallback
    if fallback:
        assert result.scores["harassment"] < 0.5 and "platform-v7" not in result.model_version
    else:
        assert result.scores["harassment"] == 0.99 and "harassment" in result.flagged
        assert result.model_version.endswith("+platform-v7")


def test_the_external_model_is_configured_from_settings(settings, db, model_server):
    _ModelServer.mode = "ok"
    url = f"http://127.0.0.1:{model_server.server_address[1]}/score"
    app = create_app(settings.model_copy(update={"text_model_url": url}), db=db)
    assert app.state.detector.external is not None
    with TestClient(app):
        pass
