"""What people say in the synthetic call centre: Colombian customer-service Spanish, usted-form.

Every slot has several alternatives so the auditor is never tested on one fixed sentence. Some rules keep the
ground truth honest (the label of a call is computed from which slots were spoken):

* greeting words ("buenos días", "bienvenido", "gracias por comunicarse/llamar") appear only in GREETINGS, i.e.
  only in the agent's opening; farewells never contain them (nor "buen día", which fuzzy-matches "buenos días");
* help offers ("¿en qué le puedo colaborar?", "¿algo más en que le pueda ayudar?") appear only in HELP_OFFERS
  and CLOSING_OFFERS; no other agent line offers help;
* the agent says their own name only in IDENTIFICATIONS;
* forbidden expressions appear only in FORBIDDEN_LINES, and customers never say them;
* numbers are written as words: the label text is exactly what espeak-ng spoke.
"""

from __future__ import annotations

COMPANY = "Banco Cóndor"
COMPANY_LINES = {"+576017435500": "Bogotá", "+576046041200": "Medellín"}
OUTBOUND_CALLER_ID = "+576017435500"

# ---- protocol slots (agent) ----------------------------------------------------------------------------------
# {tod}: "Buenos días" / "Buenas tardes" (time of day at the call), {company}, {name}, {first}
GREETINGS = [
    "{tod}, gracias por comunicarse con {company}",
    "{tod}, bienvenido a {company}",
    "{tod}, gracias por llamar a {company}",
    "{tod}, {company}",
    "{tod}, está comunicado con {company}",
]
# the opening when the greeting is missing: the company (or nothing) but no salutation
NO_GREETING_OPENINGS = [
    "{company}",
    "Sí, {company}",
    "Línea de atención de {company}",
    "",
]
IDENTIFICATIONS = [
    "habla con {name}",
    "mi nombre es {name}",
    "le atiende {name}",
    "le saluda {first}",
    "está hablando con {first}",
]
HELP_OFFERS = [
    "¿En qué le puedo colaborar?",
    "¿En qué le puedo ayudar?",
    "¿Cómo le puedo ayudar hoy?",
    "¿En qué le puedo servir?",
    "Cuénteme, ¿en qué le puedo colaborar hoy?",
]
# when the help offer is missing the agent just waits or says something that is not an offer
NO_HELP_OFFER_PROMPTS = ["Dígame.", "Lo escucho.", "Siga.", ""]
CLOSING_OFFERS = [
    "¿Le puedo ayudar en algo más?",
    "¿Hay algo más en lo que le pueda colaborar?",
    "¿Le puedo colaborar con alguna otra cosa?",
    "¿Alguna otra cosa en la que le pueda ayudar?",
]
CLOSING_WITHOUT_OFFER = ["¿Alguna otra inquietud?", "¿Quedó clara la información?", "¿Tiene alguna pregunta?"]
FAREWELLS = [
    "Que tenga un feliz día.",
    "Fue un gusto atenderle, que tenga una excelente tarde.",
    "Con gusto, que esté muy bien, hasta luego.",
    "Que tenga un feliz resto de día, hasta pronto.",
    "A usted, que tenga una feliz tarde.",
    "Con mucho gusto, que esté muy bien.",
]
# endings of calls where the agent does NOT say goodbye
NO_FAREWELL_ENDINGS = [
    "Listo, quedó registrado.",
    "Bueno, eso era todo.",
    "Ok, listo entonces.",
    "Ya quedó la solicitud.",
]

# outbound (the agent calls the customer back)
OUTBOUND_ANSWER = ["¿Aló?", "¿Aló, sí?", "¿Sí, diga?", "¿Aló, quién habla?"]
OUTBOUND_CONFIRM = {"m": ["Sí, con él.", "Sí, él habla.", "Sí, señorita, con él."],
                    "f": ["Sí, con ella.", "Sí, ella habla.", "Sí, con ella, ¿quién habla?"]}
OUTBOUND_PURPOSE = [
    "Le devuelvo la llamada por la solicitud que dejó en nuestra página.",
    "Le llamo por el caso que radicó esta semana.",
    "Le estoy llamando por la solicitud que quedó pendiente.",
]

# ---- body of the call ------------------------------------------------------------------------------------------
ASK_CEDULA = [
    "Con gusto. Para validar su identidad, ¿me regala su número de cédula, por favor?",
    "Claro que sí. ¿Me confirma su número de documento, por favor?",
    "Perfecto. Primero, ¿me regala el número de cédula del titular?",
]
GIVE_PII = [
    "Sí, claro, es {spoken}.",
    "Claro que sí, {spoken}.",
    "Mi cédula es {spoken}.",
]
THANKS_VALIDATED = [
    "Gracias, {title} {surname}. Ya tengo su información en pantalla.",
    "Muchas gracias, {title} {surname}, ya validé sus datos.",
    "Listo, {title} {surname}, ya reviso su cuenta.",
]
CUSTOMER_ACK = ["Bueno.", "Listo.", "Ah, bueno, entiendo.", "Sí, señor.", "Ajá.", "Ok, listo."]
CUSTOMER_ACK_F = ["Bueno.", "Listo.", "Ah, bueno, entiendo.", "Sí, señorita.", "Ajá.", "Ok, listo."]
CUSTOMER_NOTHING_ELSE = ["No, eso era todo, gracias.", "No, nada más, gracias.", "No señor, eso es todo.",
                         "No, así está bien, gracias."]
CUSTOMER_BYE = ["Igualmente, chao.", "Gracias, hasta luego.", "Chao, gracias.", ""]

# topic -> problem statements (customer), explanation and resolution (agent), optional extra PII to ask for
TOPICS = {
    "tarjeta_bloqueada": {
        "problem": [
            "Es que mi tarjeta de crédito aparece bloqueada y no puedo hacer compras.",
            "Mire, intenté pagar en el supermercado y me dice que la tarjeta está bloqueada.",
        ],
        "explain": [
            "Veo que la tarjeta se bloqueó por tres intentos fallidos de clave en un cajero.",
            "Aquí me aparece un bloqueo preventivo por una compra que el sistema consideró sospechosa.",
        ],
        "resolve": [
            "Ya le desbloqueé la tarjeta, en unos minutos puede volver a usarla.",
            "Listo, el bloqueo quedó levantado y la tarjeta ya está activa.",
        ],
        "pii": "TARJETA",
    },
    "pago_no_reflejado": {
        "problem": [
            "Hice el pago de la tarjeta hace tres días y todavía no se me refleja.",
            "Pagué la cuota por PSE el lunes y me sigue apareciendo en mora.",
        ],
        "explain": [
            "Los pagos por PSE pueden tardar hasta dos días hábiles en aplicarse.",
            "Veo el pago en tránsito, todavía no ha sido aplicado a la obligación.",
        ],
        "resolve": [
            "Ya radiqué una solicitud para que apliquen el pago, el número de radicado le llega al correo.",
            "Dejé la solicitud para que le apliquen el pago con la fecha en que lo hizo, así no le cobran intereses.",
        ],
        "pii": "EMAIL",
    },
    "cuota_manejo": {
        "problem": [
            "Me están cobrando una cuota de manejo que no me corresponde.",
            "En el extracto me aparece un cobro de cuota de manejo y a mí me dijeron que era gratis.",
        ],
        "explain": [
            "Veo el cobro de la cuota de manejo del mes pasado, por veinte mil pesos.",
            "La exoneración de la cuota de manejo se venció el mes anterior.",
        ],
        "resolve": [
            "Le voy a reversar el cobro, se verá reflejado en el próximo extracto.",
            "Ya solicité la devolución de la cuota de manejo, queda aplicada en cinco días hábiles.",
        ],
        "pii": None,
    },
    "embargo": {
        "problem": [
            "Me aparece un embargo en la cuenta de ahorros y no sé por qué.",
            "Me congelaron la plata de la cuenta y dicen que es por un embargo.",
        ],
        "explain": [
            "El embargo viene de una orden judicial, el banco solamente la ejecuta.",
            "Aquí veo una medida de embargo que llegó de un juzgado de Bogotá.",
        ],
        "resolve": [
            "Le envío al correo la información del juzgado para que pueda hacer el trámite.",
            "Le voy a enviar por correo el oficio del embargo con los datos del proceso.",
        ],
        "pii": "EMAIL",
    },
    "cancelacion": {
        "problem": [
            "Quiero cancelar la tarjeta de crédito, ya no la uso.",
            "Llamo para cancelar la cuenta de ahorros.",
        ],
        "explain": [
            "Antes de cancelar, le puedo ofrecer la exoneración de la cuota de manejo por seis meses.",
            "Para cancelar, la tarjeta debe estar a paz y salvo, y veo que no tiene saldo pendiente.",
        ],
        "resolve": [
            "Listo, quedó radicada la cancelación, le llega la confirmación en cinco días hábiles.",
            "Ya quedó la solicitud de cancelación, el certificado le llega en unos días.",
        ],
        "pii": None,
    },
    "actualizar_datos": {
        "problem": [
            "Necesito actualizar mi número de celular, lo cambié la semana pasada.",
            "Quiero cambiar el número de teléfono que tienen registrado.",
        ],
        "explain": [
            "Con gusto. ¿Me confirma el número nuevo, por favor?",
            "Claro, ¿cuál es el número de celular que quiere registrar?",
        ],
        "resolve": [
            "Listo, ya quedó actualizado su número de contacto.",
            "Perfecto, el número nuevo ya quedó registrado en el sistema.",
        ],
        "pii": "TELEFONO",
    },
    "clave_app": {
        "problem": [
            "No puedo entrar a la aplicación, me dice que la clave está mal.",
            "Se me olvidó la clave de la app y ya no me deja entrar.",
        ],
        "explain": [
            "Le voy a enviar un código de verificación a su celular para restablecer la clave.",
            "Veo que el usuario quedó bloqueado por intentos fallidos.",
        ],
        "resolve": [
            "Ya puede crear una clave nueva desde la aplicación con el código que le llegó.",
            "Listo, el usuario quedó desbloqueado, ya puede ingresar de nuevo.",
        ],
        "pii": None,
    },
    "aumento_cupo": {
        "problem": [
            "Quería saber si me pueden aumentar el cupo de la tarjeta.",
            "Necesito más cupo en la tarjeta de crédito para un viaje.",
        ],
        "explain": [
            "Veo que tiene una oferta de aumento de cupo preaprobada.",
            "El aumento de cupo depende del estudio de crédito, yo se lo puedo radicar.",
        ],
        "resolve": [
            "Listo, quedó radicada la solicitud de aumento, la respuesta le llega en tres días.",
            "Ya le apliqué el aumento de cupo, queda disponible desde mañana.",
        ],
        "pii": "EMAIL",
    },
}
# each topic's call driver in callaudit/topics/taxonomy_es.yml (the ground truth the demo's drivers are checked on;
# the driver model never trained on these phrases)
TOPIC_DRIVERS = {
    "tarjeta_bloqueada": "bloqueo_fraude",
    "pago_no_reflejado": "pagos",
    "cuota_manejo": "cobros",
    "embargo": "embargo_legal",
    "cancelacion": "cancelacion",
    "actualizar_datos": "actualizacion_datos",
    "clave_app": "acceso_digital",
    "aumento_cupo": "productos",
}
ASK_EXTRA_PII = {
    "TARJETA": ["¿Me confirma el número completo de la tarjeta, por favor?",
                "¿Me regala los dieciséis dígitos de la tarjeta?"],
    "EMAIL": ["¿A qué correo electrónico le envío la información?", "¿Me confirma su correo electrónico?"],
    "TELEFONO": [],  # the explanation line already asks for it
}
GIVE_EXTRA_PII = {
    "TARJETA": ["Sí, es {spoken}.", "Claro, {spoken}."],
    "EMAIL": ["Sí, es {spoken}.", "Mi correo es {spoken}."],
    "TELEFONO": ["Es {spoken}.", "El nuevo es {spoken}."],
}

# ---- hold -----------------------------------------------------------------------------------------------------
HOLD_REQUESTS = [
    "Le pido el favor de esperar en línea mientras verifico la información.",
    "Regáleme un momento en línea, por favor, ya reviso.",
    "Permítame un momento en línea mientras consulto su caso.",
]
HOLD_ACKS = ["Bueno, listo.", "Sí, claro.", "Ok, espero."]
HOLD_RETURNS = [
    "Gracias por la espera.",
    "Muchas gracias por esperar en línea.",
    "Gracias por su paciencia en la línea.",
]

# ---- customer sentiment -----------------------------------------------------------------------------------------
ANGRY_LINES = [
    "Esto es un pésimo servicio, ya es la tercera vez que llamo por lo mismo.",
    "Estoy muy molesto, nadie me da una solución.",
    "Voy a poner una queja ante la Superintendencia Financiera.",
    "Si no me solucionan hoy, voy a cancelar todos los productos con ustedes.",
    "Qué falta de seriedad, llevo una semana esperando una respuesta.",
]
ANGRY_LINES_F = [line.replace("muy molesto", "muy molesta") for line in ANGRY_LINES]
ANGRY_CLOSING = ["Bueno, vamos a ver si es verdad.", "Pues ojalá que esta vez sí me cumplan.",
                 "Bueno, pero esto no se puede repetir."]
HAPPY_LINES = [
    "Ay, muchas gracias, muy amable.",
    "Excelente, me solucionó el problema, mil gracias.",
    "Qué buena atención, de verdad muchas gracias.",
    "Perfecto, quedé muy contento con la atención.",
]
HAPPY_LINES_F = [line.replace("muy contento", "muy contenta") for line in HAPPY_LINES]
OFFENDED_LINES = ["¿Cómo así? Qué falta de respeto.", "Oiga, no me hable así.", "Qué grosería, así no se atiende."]
ESCALATION_REQUESTS = [
    "Quiero hablar con un supervisor, por favor.",
    "Páseme con su jefe inmediato.",
    "Necesito que me comunique con un supervisor ya mismo.",
]
ESCALATION_RESPONSES = [
    "Entiendo su molestia. Voy a escalar su caso con mi supervisor para que le devuelvan la llamada hoy.",
    "Comprendo. Dejo el caso escalado con el supervisor de turno y él se comunica con usted.",
]
INTERRUPTIONS = [
    "¡Pero es que yo ya pagué!",
    "Espere, espere, eso no fue lo que me dijeron.",
    "No, no, no, eso ya lo intenté.",
    "Perdón, pero eso no tiene sentido.",
]
# long agent explanations that invite an interruption
LONG_EXPLANATIONS = [
    "Le explico, el procedimiento es que primero se valida la información con el área encargada, "
    "luego se genera un radicado y finalmente el área de operaciones le da respuesta en los próximos días hábiles.",
    "Mire, lo que pasa es que el sistema registra las transacciones al cierre del día, entonces cualquier "
    "movimiento que usted haga después de las tres de la tarde se aplica al siguiente día hábil.",
]
AGENT_AFTER_INTERRUPTION = ["Sí, entiendo, déjeme revisar eso.", "Claro, le entiendo, ya lo verifico."]

# ---- forbidden words (agent) ------------------------------------------------------------------------------------
# canonical lexicon form -> forms spoken (inflections / variants). Labels use the canonical form.
FORBIDDEN_LEXICON: dict[str, list[str]] = {
    "qué pereza": ["qué pereza", "qué perezota"],
    "no me importa": ["no me importa", "no me importan"],
    "cállese": ["cállese"],
    "eso no es mi problema": ["eso no es mi problema", "eso no es problema mío"],
    "mamera": ["qué mamera", "mamera"],
    "idiota": ["idiota", "idiotas"],
    "estúpido": ["estúpido", "estúpida"],
    "ni idea": ["ni idea"],
}
# (canonical form, form actually spoken, agent line). Several lines use inflected forms on purpose.
FORBIDDEN_LINES: list[tuple[str, str, str]] = [
    ("qué pereza", "qué pereza", "Ay, qué pereza con ese sistema, se demora muchísimo."),
    ("qué pereza", "qué perezota", "Uy, qué perezota revisar eso otra vez."),
    ("no me importa", "no me importa", "Mire, la verdad no me importa lo que le dijeron en la otra llamada."),
    ("no me importa", "no me importan", "A mí no me importan esas quejas, yo solo sigo el procedimiento."),
    ("cállese", "cállese", "Cállese un momento y déjeme terminar."),
    ("cállese", "cállese", "Por favor, cállese, que así no le puedo explicar."),
    ("eso no es mi problema", "eso no es mi problema", "Mire, eso no es mi problema, eso lo maneja otra área."),
    ("eso no es mi problema", "eso no es problema mío", "Pues eso no es problema mío, llame a la otra línea."),
    ("mamera", "qué mamera", "Uy, qué mamera este caso, toca hacer todo otra vez."),
    ("mamera", "mamera", "Es una mamera cuando el sistema se cae."),
    ("idiota", "idiota", "Ese sistema es idiota, no deja hacer nada."),
    ("idiota", "idiotas", "Los del otro turno son unos idiotas."),
    ("estúpido", "estúpido", "Eso es un procedimiento estúpido, pero así toca."),
    ("estúpido", "estúpida", "Esa es una norma estúpida, pero así toca."),
    ("ni idea", "ni idea", "Ni idea, eso no lo manejo yo."),
    ("ni idea", "ni idea", "La verdad, ni idea de por qué le cobraron eso."),
]


# ---- names -----------------------------------------------------------------------------------------------------
CUSTOMER_FIRST = {
    "m": ["Carlos", "Jorge", "Luis", "Juan", "Camilo", "Felipe", "Mauricio", "Óscar", "Julián", "Diego"],
    "f": ["Luz Marina", "Claudia", "Sandra", "Carolina", "Adriana", "Liliana", "Juliana", "Marcela", "Ana", "Gloria"],
}
SURNAMES = ["Ramírez", "Rodríguez", "Gómez", "Martínez", "García", "López", "Hernández", "Castro", "Rojas",
            "Moreno", "Vargas", "Restrepo", "Ospina", "Cárdenas", "Salazar", "Quintero", "Mejía", "Zapata"]
EMAIL_DOMAINS = [("gmail", "gmail punto com", "gmail.com"), ("hotmail", "hotmail punto com", "hotmail.com"),
                 ("outlook", "outlook punto com", "outlook.com"), ("yahoo", "yahoo punto es", "yahoo.es")]
DIGIT_WORDS = ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"]
