"""Bring your own model: an external text classifier over HTTP, with a timeout and a fallback.

A platform that already runs a model server (its own fine-tuned model, a vendor's container) points
``text_model_url`` at it. childsafe sends a batch and expects a score per category back:

    POST <url>   {"texts": ["…", "…"], "categories": ["sexual", "harassment", …]}
    200          {"model": "name-or-version", "results": [{"scores": {"sexual": 0.93, …}}, …]}

Scores are probabilities in [0, 1]; categories the server does not return keep childsafe's own
score. A slow, failing or malformed answer never blocks a message: the built-in classifier's
scores are used and the result says so (``fallback``), so safety never depends on the remote end.
"""

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

log = logging.getLogger("childsafe.detect")


@dataclass(frozen=True)
class ExternalScores:
    model: str
    scores: list[dict[str, float]]


class ExternalError(RuntimeError):
    """The external model did not give a usable answer (timeout, HTTP error, bad body)."""


@dataclass
class ExternalClassifier:
    url: str
    timeout: float = 0.5
    token: str | None = None

    def __post_init__(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        self._client = httpx.Client(timeout=self.timeout, headers=headers)

    def score(self, texts: Sequence[str], categories: Sequence[str]) -> ExternalScores:
        try:
            response = self._client.post(self.url, json={"texts": list(texts), "categories": list(categories)})
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ExternalError(f"{type(exc).__name__}") from None
        return _validated(body, len(texts))

    def close(self) -> None:
        self._client.close()


def _validated(body: object, expected: int) -> ExternalScores:
    if not isinstance(body, dict) or not isinstance(body.get("results"), list):
        raise ExternalError("the answer has no results list")
    results = body["results"]
    if len(results) != expected:
        raise ExternalError(f"{len(results)} results for {expected} texts")
    scores: list[dict[str, float]] = []
    for item in results:
        raw = item.get("scores") if isinstance(item, dict) else None
        if not isinstance(raw, dict):
            raise ExternalError("a result has no scores object")
        clean = {}
        for name, value in raw.items():
            if not isinstance(name, str) or isinstance(value, bool) or not isinstance(value, int | float):
                raise ExternalError("scores must map category names to numbers")
            if not math.isfinite(value) or not 0.0 <= value <= 1.0:
                raise ExternalError(f"score for {name!r} is outside 0-1")
            clean[name] = float(value)
        scores.append(clean)
    model = body.get("model")
    return ExternalScores(model if isinstance(model, str) else "external", scores)
