"""Fixtures for the transcription tests.

``fake_speech_service``: a local stand-in for the Azure Speech WebSocket endpoint, so the *real* Speech SDK
(azure-cognitiveservices-speech) can be driven end to end offline. It speaks enough of the service protocol the
SDK uses (text frames ``Path: …`` + JSON body; binary audio frames with a 2-byte big-endian header length) to:
accept ``speech.config``/``speech.context``, collect the audio of one turn, and answer ``turn.start``,
``speech.startDetected``, ``speech.phrase`` (the documented detailed-format JSON), ``speech.endDetected``,
``turn.end``. It can also refuse the WebSocket upgrade with an HTTP status (401/403/429/500/503) or stay silent.
What this does NOT prove: that the real service sends exactly these messages — the phrase JSON follows the
documented detailed output shape, and the SDK accepted it.
"""

from __future__ import annotations

import asyncio
import json
import struct
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import pytest


@dataclass
class FakeSpeechService:
    port: int = 0
    mode: str = "ok"  # "ok" | "status:<code>" | "silent"
    # responder(pcm int16 samples at 16 kHz) -> list of detailed-format phrase dicts
    responder: object = None
    # per connection: query, headers, audio bytes, messages (headers), texts (whole text frames)
    requests: list[dict] = field(default_factory=list)

    @property
    def endpoint(self) -> str:
        return f"ws://127.0.0.1:{self.port}/speech/recognition/conversation/cognitiveservices/v1"


def _text_frame(path: str, request_id: str, body: dict) -> str:
    ts = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    return (f"X-RequestId:{request_id}\r\nPath:{path}\r\nX-Timestamp:{ts}\r\n"
            f"Content-Type:application/json; charset=utf-8\r\n\r\n{json.dumps(body)}")


def _parse_binary(data: bytes) -> tuple[dict[str, str], bytes]:
    n = struct.unpack(">H", data[:2])[0]
    head = data[2 : 2 + n].decode("ascii", "replace")
    headers = {}
    for line in head.split("\r\n"):
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    return headers, data[2 + n :]


def _pcm_from_turn(audio: bytes) -> np.ndarray:
    """The SDK sends a RIFF header in the first audio frame; strip it."""
    if audio[:4] == b"RIFF":
        idx = audio.find(b"data")
        audio = audio[idx + 8 :] if idx >= 0 else audio[44:]
    return np.frombuffer(audio[: len(audio) // 2 * 2], dtype="<i2")


@pytest.fixture
def fake_speech_service():
    from aiohttp import WSMsgType, web

    service = FakeSpeechService()
    ready = threading.Event()
    stop: dict = {}
    sockets: list = []

    async def handler(request):
        record = {"query": dict(request.query), "headers": dict(request.headers), "audio": b"", "messages": [],
                  "texts": []}
        service.requests.append(record)
        if service.mode.startswith("status:"):
            return web.Response(status=int(service.mode.split(":")[1]), text="refused by the fake service")
        ws = web.WebSocketResponse(protocols=("USP",))
        await ws.prepare(request)
        sockets.append(ws)
        answered = False
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                record["messages"].append(msg.data.split("\r\n\r\n")[0])
                record["texts"].append(msg.data)  # headers and body (speech.context carries the phrase list)
            elif msg.type == WSMsgType.BINARY:
                headers, body = _parse_binary(msg.data)
                record["audio"] += body
                if body or answered or service.mode == "silent":
                    continue
                answered = True  # an empty audio frame = end of the stream for this turn
                rid = headers.get("x-requestid", "0" * 32)
                phrases = service.responder(_pcm_from_turn(record["audio"])) if service.responder else []
                await ws.send_str(_text_frame("turn.start", rid, {"context": {"serviceTag": "fake"}}))
                for p in phrases:
                    await ws.send_str(_text_frame("speech.startDetected", rid, {"Offset": p.get("Offset", 0)}))
                    await ws.send_str(_text_frame("speech.phrase", rid, p))
                    await ws.send_str(_text_frame("speech.endDetected", rid, {"Offset": p.get("Offset", 0)}))
                await ws.send_str(_text_frame("turn.end", rid, {}))
        return ws

    async def main():
        app = web.Application()
        app.router.add_get("/{tail:.*}", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        service.port = site._server.sockets[0].getsockname()[1]
        stop["event"] = asyncio.Event()
        ready.set()
        await stop["event"].wait()
        for ws in sockets:  # a client may still be connected (the "silent" mode): hang up on it
            await ws.close()
        await runner.cleanup()

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    assert ready.wait(10), "fake speech service did not start"
    yield service
    loop.call_soon_threadsafe(stop["event"].set)
    thread.join(30)
    if not thread.is_alive():
        loop.close()
