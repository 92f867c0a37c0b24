"""``callaudit transcribe``: transcribe one recording and print it."""

from __future__ import annotations

from pathlib import Path

import typer

from callaudit.errors import UserError, user_errors

HELP = """Transcribe one call recording (WAV, mono or Twilio dual-channel) and print it.

Dual-channel recordings are transcribed per channel and labelled agent/customer (channel 2 = agent by default,
the inbound layout; change it with --agent-channel). Personal numbers and e-mails are replaced by [CEDULA],
[TARJETA], [TELEFONO], [EMAIL] unless --no-redact. The first run assembles the bundled Whisper model (~1 s).

Example:

    callaudit transcribe lakehouse/landing/media/RE0123.wav --agent-channel 2

    callaudit transcribe call.wav --json > call.json
"""


def _clock(seconds: float) -> str:
    m, s = divmod(max(seconds, 0.0), 60)
    return f"{int(m):02d}:{s:04.1f}"


def render_readable(t) -> str:
    """The speaker-labelled console view of a Transcript."""
    head = [
        f"recording: {t.recording_sid or '-'}   call: {t.call_sid or '-'}",
        f"audio: {t.duration_seconds or 0:.1f} s, {t.channels or '?'} channel(s)"
        + (f", agent on channel {t.agent_channel}" if t.agent_channel else ", speakers not separated (mono)"),
        f"engine: {t.engine_version or t.engine}   language: {t.language}   "
        f"confidence: {'-' if t.confidence is None else f'{t.confidence:.2f}'}   "
        f"took {t.processing_seconds or 0:.1f} s",
    ]
    if t.redacted:
        found = ", ".join(f"{k}×{v}" for k, v in sorted(t.redactions.items())) or "nothing found"
        head.append(f"redacted: {found}")
    lines = head + [""]
    width = max((len(s.speaker) for s in t.segments), default=7)
    for s in sorted(t.segments, key=lambda s: (s.start, s.end)):
        lines.append(f"[{_clock(s.start)}–{_clock(s.end)}] {s.speaker + ':':<{width + 1}} {s.text}")
    if not t.segments and not t.error:
        lines.append("(no speech found)")
    return "\n".join(lines)


@user_errors
def transcribe_cmd(
    file: Path = typer.Argument(..., help="The recording (.wav, PCM16 or μ-law, 8–48 kHz, 1 or 2 channels).",
                                exists=True, dir_okay=False, readable=True),
    engine: str = typer.Option("whisper", "--engine", "-e",
                               help="Engine name: whisper (offline, bundled model), azure (AZURE_SPEECH_KEY/"
                                    "REGION), or any registered plug-in (`callaudit engines` lists them)."),
    agent_channel: int = typer.Option(None, "--agent-channel", min=1, max=2,
                                      help="Channel carrying the agent: 1 or 2 (default 2 = inbound layout)."),
    as_json: bool = typer.Option(False, "--json", help="Print the Transcript JSON (the pipeline's format)."),
    no_redact: bool = typer.Option(False, "--no-redact", help="Keep personal numbers/e-mails (restricted use)."),
    model_dir: Path = typer.Option(None, "--model-dir", file_okay=False,
                                   help="Another CTranslate2 Whisper model directory (default: bundled base)."),
    hotwords: str = typer.Option("scorecard", "--hotwords",
                                 help="Recogniser bias: scorecard = each channel its speaker's scorecard phrases "
                                      "(the pipeline's default), shared = all phrases on both channels, none."),
    scorecard: Path = typer.Option(None, "--scorecard", "-s", dir_okay=False,
                                   help="Scorecard whose phrases bias the recogniser (default: the shipped one)."),
    hotword: list[str] = typer.Option(None, "--hotword", "-H",
                                      help="Extra phrase to bias recognition toward, on every channel (repeatable)."),
    beam_size: int = typer.Option(None, "--beam-size", min=1, max=10, help="Whisper beam size (default 3)."),
) -> None:
    from rich.console import Console

    from callaudit.transcription import registry
    from callaudit.transcription.core import transcribe_recording
    from callaudit.transcription.options import TranscriptionOptions
    from callaudit.transcription.redact import redact_transcript

    engine = engine.strip().lower()
    if engine not in registry.names():
        raise UserError(f"unknown engine {engine!r}", hint=f"use one of: {', '.join(registry.names())}", exit_code=2)
    if model_dir is not None and not (model_dir / "model.bin").is_file():
        raise UserError(f"{model_dir} is not a CTranslate2 Whisper model directory (no model.bin)",
                        hint="omit --model-dir to use the bundled Whisper base", exit_code=2)
    options = TranscriptionOptions(
        model_dir=str(model_dir) if model_dir else None,
        **({"beam_size": beam_size} if beam_size else {}),
    )
    from callaudit.scoring.scorecard import recogniser_hotwords

    bias = recogniser_hotwords(hotwords, scorecard)
    if hotword:  # extra phrases go to every channel, after the scorecard's
        if isinstance(bias, dict):
            bias = {speaker: [*words, *hotword] for speaker, words in bias.items()}
        else:
            bias = [*(bias or []), *hotword]
    err = Console(stderr=True)
    with err.status(f"Transcribing {file.name} with {engine}…", spinner="dots"):
        transcript = transcribe_recording(file, agent_channel=agent_channel, engine=engine,
                                          hotwords=bias, options=options)
    if not no_redact and not transcript.error:
        transcript = redact_transcript(transcript)
    if as_json:
        typer.echo(transcript.to_json(indent=2))
    elif not transcript.error:
        typer.echo(render_readable(transcript))
    if transcript.error:
        raise UserError(f"could not transcribe {file}: {transcript.error}")


@user_errors
def engines_cmd() -> None:
    """List the transcription engines this installation knows (built-in and plug-ins), what each needs and reads.

    Choose one with `callaudit transcribe --engine NAME` or, in the pipeline, the configuration key
    `callaudit.transcription.engine`; its credentials come from the keys shown (a secret scope on Databricks).
    """
    from callaudit.transcription import registry

    for name in registry.names():
        try:
            spec = registry.spec(name)
        except Exception as exc:  # a broken plug-in must not hide the others
            typer.echo(f"{name}: cannot be loaded ({type(exc).__name__}: {exc})")
            continue
        flags = ["offline" if spec.offline else "network", *(["diarisation"] if spec.diarisation_option else []),
                 *(["evaluation only"] if spec.evaluation_only else [])]
        typer.echo(f"{name}{' (default)' if name == registry.DEFAULT_ENGINE else ''}: {spec.summary}")
        typer.echo(f"    {', '.join(flags)}; language from option {spec.language_option}")
        if spec.credentials:
            keys = registry.credential_conf_keys(name)
            typer.echo("    credentials: " + ", ".join(f"{k} (pipeline conf {v})" for k, v in keys.items()))
        typer.echo("    options: " + ", ".join(spec.options))


def register(app: typer.Typer) -> None:
    app.command("transcribe", help=HELP, no_args_is_help=True)(transcribe_cmd)
    app.command("engines")(engines_cmd)
