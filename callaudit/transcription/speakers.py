"""Which channel of a Twilio dual-channel recording is the agent.

Twilio records a ``<Dial>`` in two channels: **channel 1 = the parent call leg, channel 2 = the child leg** (the
leg ``<Dial>`` created). Who sits on each leg depends on how the call was set up:

===========================================  ====================  ===============  =============
parent leg                                   example               child leg        agent channel
===========================================  ====================  ===============  =============
``inbound`` from a customer's number         +57 310… -> IVR       ``client:ana``   **2**
``inbound`` from ``client:<agent>`` /SIP     softphone dials out   customer number  **1**
``outbound-api`` touching ``client:``/SIP    API rings the agent   customer number  **1**
``outbound-api`` between phone numbers       API rings customer    agent            **2**
unknown / anything else                      —                     —                **2** (inbound layout)
===========================================  ====================  ===============  =============

If the metadata given is a child leg (``outbound-dial``): it is the agent's (2) when it rang ``client:``/SIP,
the customer's (agent = 1) when it rang a number for an ``outbound-api`` parent, else the default 2.
A configured override (``callaudit.agent_channel``, ``--agent-channel``) always wins.
"""

from __future__ import annotations

DEFAULT_AGENT_CHANNEL = 2  # the inbound contact-centre layout: customer calls in, agent answers via <Dial>

_AGENT_ENDPOINT_PREFIXES = ("client:", "sip:")


def _is_agent_endpoint(value: str | None) -> bool:
    """``client:<identity>`` (Twilio Voice SDK) or a SIP URI (desk phone / BPO PBX) is an agent's endpoint."""
    return bool(value) and str(value).strip().lower().startswith(_AGENT_ENDPOINT_PREFIXES)


def validate_agent_channel(value: int | str | None) -> int | None:
    """``None``/"" -> None; "1"/"2"/1/2 -> int; anything else -> ValueError with the allowed values."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        channel = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"agent channel must be 1 or 2, got {value!r}") from None
    if channel not in (1, 2):
        raise ValueError(f"agent channel must be 1 or 2, got {channel}")
    return channel


def agent_channel_for_call(
    direction: str | None,
    from_: str | None,
    to: str | None,
    parent_direction: str | None = None,
    override: int | str | None = None,
) -> int:
    """The 1-based channel carrying the agent in this call's dual-channel recording (see the module table).

    ``direction``/``from_``/``to`` are the Twilio Call resource fields of the call the recording belongs to
    (normally the parent leg); ``parent_direction`` is the parent's direction when that call is a child leg.
    """
    forced = validate_agent_channel(override)
    if forced is not None:
        return forced
    d = (direction or "").strip().lower()
    if d == "outbound-dial":  # a child leg (= channel 2): did <Dial> ring the agent or the customer?
        if _is_agent_endpoint(to):
            return 2
        parent = (parent_direction or "").strip().lower()
        # The API (or a softphone) started the parent with the agent and <Dial> rang the customer's number.
        if parent.startswith("outbound-api"):
            return 1
        return DEFAULT_AGENT_CHANNEL
    if d == "inbound":
        # A softphone placing an outbound call through a TwiML app shows up as an *inbound* parent from
        # client:<agent>; the customer is then the child leg.
        return 1 if _is_agent_endpoint(from_) else 2
    if d.startswith("outbound-api"):
        return 1 if (_is_agent_endpoint(from_) or _is_agent_endpoint(to)) else 2
    return DEFAULT_AGENT_CHANNEL


def speaker_for_channel(channel: int | None, agent_channel: int | None) -> str:
    """``agent``/``customer`` for a channel of a dual-channel recording, ``unknown`` for mono/undecided."""
    if channel is None or agent_channel is None:
        return "unknown"
    return "agent" if channel == agent_channel else "customer"
