"""What the auditor tells a QA analyst, in Spanish, in one catalogue.

Every reason, review reason, category reason and critical error written to an audit row comes from here, so the
wording is reviewed (and one day translated) in one place. ``say(key, **fields)`` fills a message; an unknown key
or a missing field is a programming error and raises. Codes (``low_score``, ``forbidden_word``...) stay English:
they are for filters; the messages are for people.
"""

from __future__ import annotations

ES: dict[str, str] = {
    # ---- criteria ----------------------------------------------------------------------------------------------
    "criterion.met": "«{heard}» a los {start:.1f} s (coincidencia {how}{which})",
    "criterion.match_exact": "exacta",
    "criterion.match_fuzzy": "aproximada ({score:.0f}%)",
    "criterion.match_phrase": " con «{phrase}»",
    "criterion.own_name": "el agente dijo su nombre: «{heard}» a los {start:.1f} s (≈ {name}, {score:.0f}%)",
    "criterion.own_name_phrase": "nombre del agente: {name}",
    "criterion.not_met": "ninguna frase de «{label}»{who}{where}",
    "criterion.not_met_who_agent": " del agente",
    "criterion.not_met_who_customer": " del cliente",
    "criterion.not_met_where": " en {window}",
    "criterion.heard_outside": "; se oyó «{heard}» a los {start:.1f} s, fuera de la ventana",
    "criterion.heard_other_speaker": "; «{heard}» lo dijo el otro hablante ({speaker}) a los {start:.1f} s",
    "criterion.na_short_call": "no aplica: llamada de {duration:.0f} s (menos de {limit:g} s)",
    "criterion.na_no_speech": "no aplica: no hay voz que evaluar",
    "criterion.no_speech": "no hay voz que evaluar",
    "criterion.undetermined": ("no determinable: se oyó «{heard}» a los {start:.1f} s, parecido a «{label}» pero "
                               "con confianza {probability:.2f} (< {limit:g}); escuchar el audio"),
    # ---- windows (scorecard) -----------------------------------------------------------------------------------
    "window.anywhere": "en cualquier momento de la llamada",
    "window.first_seconds": "primeros {n:g} s",
    "window.first_turns": "primeros {n} turnos",
    "window.last_seconds": "últimos {n:g} s",
    "window.last_turns": "últimos {n} turnos",
    "window.join": " o ",
    # ---- critical errors ---------------------------------------------------------------------------------------
    "critical.forbidden_word": "palabra prohibida «{phrase}» ({speaker}, {start:.1f} s: «{heard}»)",
    "critical.step_missed": "paso crítico omitido: {label}",
    # ---- category ----------------------------------------------------------------------------------------------
    "category.unscored": "llamada sin evaluar",
    "category.from_score": "puntaje {score:.1f} → {category}",
    "category.critical": "error crítico ({error}) → {category}",
    "category.capped": "{why} → máximo {category}",
    "category.rule.missed_steps": "{missed} pasos del protocolo omitidos",
    "category.rule.customer_ends_upset": "el cliente termina la llamada molesto",
    "category.rule.escalation_requested": "el cliente pidió escalar",
    "category.rule.customer_negative": "cliente con sentimiento negativo",
    # ---- manual review -----------------------------------------------------------------------------------------
    "review.critical_error": "error crítico: {message}",
    "review.undetermined": "no determinable: {label} (confianza del reconocedor {confidence:.2f}; escuchar el audio)",
    "review.low_score": "puntaje bajo: {score:.1f} < {limit:g}",
    "review.forbidden_word": "palabra prohibida: {word}",
    "review.possible_forbidden_word": ("posible palabra prohibida (baja confianza del reconocedor, verificar en el "
                                       "audio): {word}"),
    "review.very_negative_customer": "cliente muy negativo: sentimiento {sentiment:.2f}",
    "review.low_confidence": "confianza de transcripción baja: {confidence:.2f}",
    "review.escalation": "solicitud de escalamiento: «{heard}» ({start:.1f} s)",
    "review.transcription_error": "error de transcripción: {error}",
    "review.no_agent_speech": "sin voz del agente en la grabación: no se puede auditar",
    "review.unscored": "llamada sin evaluar",
    # ---- how the call was read ---------------------------------------------------------------------------------
    "mode.speaker_channels": ("criterios y palabras prohibidas evaluados en el canal del agente; sentimiento y "
                              "escalamiento en el del cliente"),
    "mode.mono_fallback": ("grabación mono sin hablantes identificados: se evaluó todo el texto (el cliente también "
                           "cuenta); revisar la evidencia"),
    # ---- speakers ----------------------------------------------------------------------------------------------
    "speaker.agent": "agente",
    "speaker.customer": "cliente",
    "speaker.unknown": "hablante sin identificar",
}


def say(key: str, **fields) -> str:
    """The catalogue's message ``key`` filled with ``fields`` (``KeyError`` for an unknown key or field)."""
    return ES[key].format(**fields)


def has(key: str) -> bool:
    return key in ES
