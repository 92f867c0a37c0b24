"""The agent directory of the synthetic call centre (two BPO vendors serving Banco Cóndor).

The directory is fixed (not seed-dependent) so tests, demos and analysts see the same people every run. Each agent
has an espeak-ng voice of their own (variant, rate, pitch), so the agent channel sounds like the same person
across calls. The voices were picked by measuring Whisper base on agent lines through the telephone chain: very
high pitches on the male variants (used for some female agents) and very low ones hurt recognition most, so
female agents use f2 or a moderately raised male variant.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass


@dataclass(frozen=True)
class Agent:
    agent_id: str
    identity: str  # what appears in `client:<identity>` on the call legs
    name: str
    vendor: str
    team: str
    supervisor: str
    active: bool
    gender: str  # "m" / "f": how customers address them, which voice they get
    voice: str
    rate_wpm: int
    pitch: int

    @property
    def first_name(self) -> str:
        return self.name.split()[0]

    @property
    def short_name(self) -> str:
        """First name + first surname, how people introduce themselves ("Andrés Gómez")."""
        parts = self.name.split()
        return f"{parts[0]} {parts[-2] if len(parts) >= 4 else parts[-1]}"


AGENTS: tuple[Agent, ...] = (
    Agent("A001", "andres.gomez", "Andrés Felipe Gómez Rojas", "Konecta", "Tarjetas", "Claudia Patricia Rojas",
          True, "m", "es-419+m3", 158, 42),
    Agent("A002", "diana.lopez", "Diana Marcela López", "Konecta", "Tarjetas", "Claudia Patricia Rojas",
          True, "f", "es-419+f2", 155, 58),
    Agent("A003", "juan.rodriguez", "Juan David Rodríguez", "Konecta", "Tarjetas", "Claudia Patricia Rojas",
          True, "m", "es-419+m1", 160, 48),
    Agent("A004", "paola.vargas", "Paola Andrea Vargas", "Konecta", "Cuentas", "Hernán Darío Muñoz",
          True, "f", "es-419+m6", 154, 66),
    Agent("A005", "carlos.martinez", "Carlos Andrés Martínez", "Konecta", "Cuentas", "Hernán Darío Muñoz",
          True, "m", "es-419+m3", 162, 46),
    Agent("A006", "luis.castro", "Luis Fernando Castro", "Konecta", "Cuentas", "Hernán Darío Muñoz",
          False, "m", "es-419+m1", 150, 45),
    Agent("A007", "maria.torres", "María Camila Torres", "Teleperformance", "Servicio al cliente",
          "Gloria Inés Cardona", True, "f", "es-419+m6", 156, 70),
    Agent("A008", "jorge.restrepo", "Jorge Iván Restrepo", "Teleperformance", "Servicio al cliente",
          "Gloria Inés Cardona", True, "m", "es-419+antonio", 152, 46),
    Agent("A009", "santiago.ospina", "Santiago Ospina", "Teleperformance", "Servicio al cliente",
          "Gloria Inés Cardona", True, "m", "es-419+m7", 165, 50),
    Agent("A010", "laura.herrera", "Laura Sofía Herrera", "Teleperformance", "Retención", "Ricardo Andrés Pardo",
          True, "f", "es-419+f2", 156, 62),
    Agent("A011", "natalia.jimenez", "Natalia Jiménez", "Teleperformance", "Retención", "Ricardo Andrés Pardo",
          True, "f", "es-419+f2", 152, 55),
)

# Identities that take calls but are NOT in agents.csv (a new hire not yet loaded, a shared temp login): the
# pipeline must keep these calls visible as an unknown agent, never drop them.
UNKNOWN_AGENTS: tuple[Agent, ...] = (
    Agent("", "sebastian.pineda", "Sebastián Pineda", "", "", "", True, "m", "es-419+m1", 160, 44),
    Agent("", "temporal.tp07", "Camilo Arango", "", "", "", True, "m", "es-419+m3", 155, 52),
)

DIRECTORY_COLUMNS = ("agent_id", "identity", "name", "vendor", "team", "supervisor", "active")


def agents_csv() -> str:
    """agents.csv as in docs/CONTRACTS.md: agent_id,identity,name,vendor,team,supervisor,active."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(DIRECTORY_COLUMNS)
    for a in AGENTS:
        writer.writerow([a.agent_id, a.identity, a.name, a.vendor, a.team, a.supervisor,
                         "true" if a.active else "false"])
    return buf.getvalue()


def by_identity(identity: str) -> Agent | None:
    for a in AGENTS + UNKNOWN_AGENTS:
        if a.identity == identity:
            return a
    return None
