"""Agent channel from Twilio call metadata; options parsing."""

from __future__ import annotations

import pytest

from callaudit.transcription.options import TranscriptionOptions
from callaudit.transcription.speakers import (
    agent_channel_for_call,
    speaker_for_channel,
    validate_agent_channel,
)


@pytest.mark.parametrize(
    ("direction", "from_", "to", "parent", "expected"),
    [
        # customer calls the contact centre; <Dial><Client> rings the agent = child leg = channel 2
        ("inbound", "+573105551234", "+576015550000", None, 2),
        # agent's softphone dials out through a TwiML app: parent is "inbound" from client:<agent>
        ("inbound", "client:maria.lopez", "+573105551234", None, 1),
        # REST API call to the agent's client, then <Dial> the customer
        ("outbound-api", "+576015550000", "client:maria.lopez", None, 1),
        ("outbound-api", "client:maria.lopez", "+573105551234", None, 1),
        ("outbound-api", "sip:agent42@pbx.konecta.example", "+573105551234", None, 1),
        # API rings the customer first, then <Dial>s the agent
        ("outbound-api", "+576015550000", "+573105551234", None, 2),
        # child legs
        ("outbound-dial", "+573105551234", "client:maria.lopez", "inbound", 2),
        ("outbound-dial", "+576015550000", "+573105551234", "outbound-api", 1),
        ("outbound-dial", "+576015550000", "+573105551234", None, 2),
        # unknown -> the inbound layout
        (None, None, None, None, 2),
        ("trunking-originating", "+573105551234", "+576015550000", None, 2),
    ],
)
def test_agent_channel_from_twilio_metadata(direction, from_, to, parent, expected):
    assert agent_channel_for_call(direction, from_, to, parent_direction=parent) == expected


def test_override_wins_and_is_validated():
    assert agent_channel_for_call("inbound", "+573105551234", "client:ana", override=1) == 1
    assert agent_channel_for_call("inbound", "client:ana", "+573105551234", override="2") == 2
    assert agent_channel_for_call("inbound", "client:ana", "+57310", override="") == 1  # empty = no override
    with pytest.raises(ValueError, match="1 or 2"):
        agent_channel_for_call("inbound", None, None, override=3)
    with pytest.raises(ValueError, match="1 or 2"):
        validate_agent_channel("left")


def test_speaker_labels():
    assert speaker_for_channel(2, 2) == "agent"
    assert speaker_for_channel(1, 2) == "customer"
    assert speaker_for_channel(None, 2) == "unknown"
    assert speaker_for_channel(1, None) == "unknown"


def test_options_from_spark_style_strings():
    o = TranscriptionOptions.from_mapping(
        {"beam_size": "5", "parallel_channels": "false", "model_dir": "", "vad_min_silence_ms": "500",
         "azure_timeout_s": "12.5"}
    )
    assert (o.beam_size, o.parallel_channels, o.model_dir, o.vad_min_silence_ms, o.azure_timeout_s) == (
        5, False, None, 500, 12.5)
    assert TranscriptionOptions.from_mapping(None) == TranscriptionOptions()
    with pytest.raises(ValueError, match="unknown transcription option"):
        TranscriptionOptions.from_mapping({"beam": 3})
    with pytest.raises(ValueError, match="true or false"):
        TranscriptionOptions.from_mapping({"vad_filter": "maybe"})
    with pytest.raises(ValueError, match="beam_size"):
        TranscriptionOptions(beam_size=0)


def test_defaults_are_the_measured_trade_off():
    o = TranscriptionOptions()
    assert (o.beam_size, o.cpu_threads, o.num_workers, o.compute_type) == (3, 1, 2, "int8")
    assert o.vad_filter and not o.temperature_fallback and o.language == "es" and o.azure_language == "es-CO"
