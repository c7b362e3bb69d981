"""Demo seed: the home page in English and Spanish, as the default site's root."""

from __future__ import annotations

from typing import TextIO

from django.conf import settings
from django.db import transaction
from wagtail.models import Locale, Page, Site

from lms.seeding import SeedReport

from .models import HomePage

HOME_TEXT = {
    "en": {
        "title": "Customs Integrity & Enforcement Academy",
        "intro": (
            "Training for the customs officers of the Americas and the Caribbean: detecting "
            "illicit trade, preventing corruption, and controlling free trade zones."
        ),
        "body": (
            "<p>Work through short lessons and interactive activities at your own pace, sit "
            "assessments graded on the server, and earn certificates that anyone can "
            "verify.</p>"
        ),
    },
    "es": {
        "title": "Academia de Integridad y Control Aduanero",
        "intro": (
            "Formación para los funcionarios de aduanas de las Américas y el Caribe: detectar "
            "el comercio ilícito, prevenir la corrupción y controlar las zonas francas."
        ),
        "body": (
            "<p>Avance a su ritmo con lecciones breves y actividades interactivas, rinda "
            "evaluaciones calificadas en el servidor y obtenga certificados que cualquiera "
            "puede verificar.</p>"
        ),
    },
    "pt-br": {
        "title": "Academia de Integridade e Controle Aduaneiro",
        "intro": (
            "Formação para os servidores aduaneiros das Américas e do Caribe: detectar o "
            "comércio ilícito, prevenir a corrupção e controlar as zonas francas."
        ),
        "body": (
            "<p>Avance no seu ritmo com lições curtas e atividades interativas, faça "
            "avaliações corrigidas no servidor e obtenha certificados que qualquer pessoa "
            "pode verificar.</p>"
        ),
    },
    "fr": {
        "title": "Académie d'intégrité et de contrôle douanier",
        "intro": (
            "Formation des agents des douanes des Amériques et des Caraïbes : détecter le "
            "commerce illicite, prévenir la corruption et contrôler les zones franches."
        ),
        "body": (
            "<p>Progressez à votre rythme grâce à de courtes leçons et à des activités "
            "interactives, passez des évaluations corrigées sur le serveur et obtenez des "
            "certificats que chacun peut vérifier.</p>"
        ),
    },
}


def _locale(code: str) -> Locale:
    locale, _created = Locale.objects.get_or_create(language_code=code)
    return locale


@transaction.atomic
def seed_demo(*, stdout: TextIO) -> None:
    report = SeedReport()
    for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES:
        _locale(code)
    english = _locale("en")
    home = HomePage.objects.filter(locale=english).first()
    if home is None:
        root = Page.get_first_root_node() or Page.add_root(
            instance=Page(title="Root", slug="root", locale=english)
        )
        home = HomePage(slug="academy", locale=english, **HOME_TEXT["en"])
        root.add_child(instance=home)
        home.save_revision().publish()
        report["created"] += 1
    else:
        report["unchanged"] += 1

    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.save(update_fields=["root_page"])
    # Wagtail's own placeholder page ("Welcome to your new Wagtail site!") goes.
    Page.objects.filter(
        depth=2, content_type__model="page", content_type__app_label="wagtailcore"
    ).exclude(pk=home.pk).delete()

    for code, text in HOME_TEXT.items():
        if code == "en":
            continue
        locale = _locale(code)
        if HomePage.objects.filter(locale=locale, translation_key=home.translation_key).exists():
            report["unchanged"] += 1
            continue
        translated = home.copy_for_translation(locale)
        for field, value in text.items():
            setattr(translated, field, value)
        translated.save_revision().publish()
        report["created"] += 1
    stdout.write(f"home: {report.line()}\n")
