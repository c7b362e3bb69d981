"""What demo officers write to the demo essay, and what the demo grader comments.

Written for this project from the domain brief, in the officers' languages (English,
Spanish, Brazilian Portuguese; another language falls back to English). A *strong* answer
refuses, reports and gives reasons from the code of conduct and the Revised Arusha
Declaration; a *weak* one refuses but neither reports nor says much about why. The grader's
rubric levels and comment follow the answer and the officer's skill.
"""

from __future__ import annotations

ESSAY_ANSWERS: dict[str, dict[str, str]] = {
    "strong": {
        "en": (
            "I would not touch the envelope. I would tell the driver politely that I cannot "
            "accept money and that his truck will be cleared under the normal procedure, no "
            "faster and no slower. I would write down what happened, with the time and the "
            "truck's plate, and report it to my supervisor and internal affairs the same day.\n\n"
            "I would also thank the broker and refuse the bottle, because I deal with him every "
            "week and a gift creates a conflict of interest. I would report that offer too.\n\n"
            "Our code of conduct forbids these gifts and is backed by sanctions up to dismissal. "
            "Under the Revised Arusha Declaration a 'usual payment' is a bribe: it costs revenue, "
            "weakens security and puts honest traders at a disadvantage."
        ),
        "es": (
            "No tocaría el sobre. Le diría al conductor con cortesía que no puedo aceptar dinero "
            "y que su camión se despachará con el procedimiento normal, ni más rápido ni más "
            "lento. Anotaría lo ocurrido, con la hora y la placa del camión, y lo informaría el "
            "mismo día a mi supervisor y a asuntos internos.\n\n"
            "También agradecería al agente de aduanas y rechazaría la botella, porque trabajo con "
            "él todas las semanas y un regalo crea un conflicto de intereses. Informaría también "
            "esa oferta.\n\n"
            "Nuestro código de conducta prohíbe estos regalos y prevé sanciones que llegan a la "
            "destitución. Según la Declaración de Arusha Revisada, el 'pago de siempre' es un "
            "soborno: hace perder recaudación, debilita la seguridad y perjudica a los "
            "comerciantes honestos."
        ),
        "pt-br": (
            "Eu não tocaria no envelope. Diria educadamente ao motorista que não posso aceitar "
            "dinheiro e que o caminhão será liberado pelo procedimento normal, nem mais rápido nem "
            "mais devagar. Anotaria o que aconteceu, com o horário e a placa do caminhão, e "
            "comunicaria no mesmo dia à minha chefia e à corregedoria.\n\n"
            "Também agradeceria ao despachante e recusaria a garrafa, porque trabalho com ele toda "
            "semana e um presente cria conflito de interesses. Comunicaria essa oferta também.\n\n"
            "Nosso código de conduta proíbe esses presentes e prevê sanções que chegam à demissão. "
            "Pela Declaração de Arusha Revisada, o 'pagamento de sempre' é suborno: reduz a "
            "arrecadação, enfraquece a segurança e prejudica os comerciantes honestos."
        ),
    },
    "weak": {
        "en": (
            "I would give the envelope back to the driver and tell him that this is not how "
            "things work here, and that he should not try it again with me or with my "
            "colleagues. Then I would go on checking his declaration as usual.\n\n"
            "The bottle from the broker is different because he is not asking for anything and "
            "we know each other well, but I would still say no thank you to be on the safe side. "
            "Accepting money is against the rules and I could lose my job if someone found out."
        ),
        "es": (
            "Le devolvería el sobre al conductor y le diría que aquí las cosas no funcionan así "
            "y que no lo vuelva a intentar conmigo ni con mis compañeros. Después seguiría "
            "revisando su declaración como siempre.\n\n"
            "La botella del agente de aduanas es distinta, porque no pide nada a cambio y nos "
            "conocemos bien, pero igual le diría que no, gracias, para no tener problemas. "
            "Aceptar dinero va contra las reglas y podría perder mi trabajo si alguien se entera."
        ),
        "pt-br": (
            "Eu devolveria o envelope ao motorista e diria que aqui as coisas não funcionam "
            "assim e que ele não deve tentar de novo comigo nem com meus colegas. Depois "
            "continuaria conferindo a declaração normalmente.\n\n"
            "A garrafa do despachante é diferente, porque ele não pede nada em troca e nos "
            "conhecemos bem, mas mesmo assim eu diria não, obrigado, para evitar problemas. "
            "Aceitar dinheiro é contra as regras e eu poderia perder o emprego se alguém "
            "descobrisse."
        ),
    },
}

# The rubric levels a grader gives each answer (criterion: (level below half skill, level
# from half skill)): the officer's skill decides how well the reasons are argued.
RUBRIC_LEVELS: dict[str, dict[str, tuple[str, str]]] = {
    "strong": {
        "decision": ("refuses", "refuses"),
        "reporting": ("reports", "reports"),
        "reasons": ("one", "linked"),
    },
    "weak": {
        "decision": ("refuses", "refuses"),
        "reporting": ("silent", "silent"),
        "reasons": ("none", "one"),
    },
}

GRADER_COMMENTS: dict[str, dict[str, str]] = {
    "good": {
        "en": "Clear refusal, a report the same day and reasons from the code of conduct and "
        "the Revised Arusha Declaration. Well done.",
        "es": "Rechazo claro, informe el mismo día y razones basadas en el código de conducta "
        "y en la Declaración de Arusha Revisada. Muy bien.",
        "pt-br": "Recusa clara, comunicação no mesmo dia e razões tiradas do código de conduta e "
        "da Declaração de Arusha Revisada. Muito bem.",
    },
    "reasons": {
        "en": "The right decision and a report the same day. Your reasons rest on the code "
        "of conduct; link them to the Revised Arusha Declaration too, for example what "
        "bribes cost in revenue and public trust.",
        "es": "La decisión correcta y un informe el mismo día. Sus razones se apoyan en el "
        "código de conducta; vincúlelas también con la Declaración de Arusha Revisada, por "
        "ejemplo con lo que los sobornos cuestan en recaudación y en confianza pública.",
        "pt-br": "A decisão certa e a comunicação no mesmo dia. Suas razões se apoiam no código "
        "de conduta; relacione-as também com a Declaração de Arusha Revisada, por exemplo com "
        "o que o suborno custa em arrecadação e em confiança pública.",
    },
    "work": {
        "en": "You refuse both offers, which is right. Both must also be written down and "
        "reported the same day, and your reasons should name the code of conduct and the "
        "Revised Arusha Declaration, not only the risk of being caught.",
        "es": "Rechaza ambas ofertas, y eso es correcto. Ambas deben además anotarse e "
        "informarse el mismo día, y sus razones deberían citar el código de conducta y la "
        "Declaración de Arusha Revisada, no solo el riesgo de ser descubierto.",
        "pt-br": "Você recusa as duas ofertas, e isso está certo. As duas também devem ser "
        "anotadas e comunicadas no mesmo dia, e suas razões deveriam citar o código de "
        "conduta e a Declaração de Arusha Revisada, não só o risco de ser descoberto.",
    },
}


def essay_answer(language: str, *, strong: bool) -> str:
    texts = ESSAY_ANSWERS["strong" if strong else "weak"]
    return texts.get(language, texts["en"])


def rubric_levels(*, strong: bool, skilled: bool) -> dict[str, str]:
    """The level a demo grader chooses for each criterion of the demo essay's rubric."""
    chosen = RUBRIC_LEVELS["strong" if strong else "weak"]
    return {criterion: levels[skilled] for criterion, levels in chosen.items()}


def grader_comment(language: str, *, strong: bool, skilled: bool) -> str:
    texts = GRADER_COMMENTS[("good" if skilled else "reasons") if strong else "work"]
    return texts.get(language, texts["en"])
