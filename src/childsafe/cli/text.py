"""``childsafe scan-text`` and ``childsafe train``: text risk detection from the command line."""

import sys
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.markup import escape

from childsafe.cli.common import console
from childsafe.errors import DomainError
from childsafe.vocabulary import AgeBand


def scan_text(texts: Annotated[list[str] | None, typer.Argument(help="messages; none: one per line on stdin")] = None,
              sender_age_band: Annotated[AgeBand, typer.Option(help="who writes them")] = AgeBand.UNKNOWN,
              region: Annotated[str, typer.Option(help="default region for phone numbers")] = "GB") -> None:
    """Score messages (one JSON line each): risk scores, flagged categories, cues, personal information."""
    from childsafe.detect.service import MAX_BATCH, Detector

    lines = texts if texts else [line.rstrip("\n") for line in sys.stdin]
    detector = Detector(region=region)
    try:
        for start in range(0, len(lines), MAX_BATCH):
            chunk = lines[start:start + MAX_BATCH]
            for text, result in zip(chunk, detector.scan(chunk, sender_age_band=sender_age_band), strict=True):
                print(orjson.dumps({"text": text, **result.view()}).decode())
    except DomainError as exc:
        console.print(f"[red]error:[/red] {escape(exc.detail)}", highlight=False)
        raise typer.Exit(1) from None


_DATA_HELP = "your labelled CSV: a text column and 0/1 label columns"


def train(data: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help=_DATA_HELP)] = None,
          out: Annotated[Path, typer.Option(help="where the heads and the evaluation report go")] = Path("text-model"),
          text_column: str = "text",
          labels: Annotated[list[str] | None, typer.Option("--label", help="label columns (default: all)")] = None,
          folds: Annotated[int, typer.Option(min=2, max=20)] = 5,
          default: Annotated[bool, typer.Option("--default", help="rebuild the shipped heads")] = False,
          distill: Annotated[bool, typer.Option(help="re-distil the encoder (needs the 'distill' extra)")] = False,
          ) -> None:
    """Train classifier heads on your own labelled data (or rebuild the shipped ones) with a cross-validated
    evaluation report; point CHILDSAFE_TEXT_MODEL_DIR at the result to use it."""
    from childsafe.detect import training

    try:
        if distill:
            training.distill_encoder(out / "encoder")
        if default:
            report = training.train_default(out)
        elif data is not None:
            report = training.train(data, text_column=text_column, label_columns=labels, out_dir=out, folds=folds)
        elif not distill:
            console.print("[red]error:[/red] give --data CSV, --default or --distill")
            raise typer.Exit(2)
        else:
            return
    except (DomainError, ValueError) as exc:
        console.print(f"[red]error:[/red] {escape(getattr(exc, 'detail', str(exc)))}", highlight=False)
        raise typer.Exit(1) from None
    console.print(f"heads and evaluation report written to {out}")
    print(orjson.dumps(report if isinstance(report, dict) else getattr(report, "__dict__", str(report)),
                       default=str).decode())
