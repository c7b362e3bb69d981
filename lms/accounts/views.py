"""Sign-in, language, profile and administration pages. Thin: parse, select, render."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django.views.generic.edit import FormView
from wagtail.admin.views import account as wagtail_account

from . import events, password_reset, selectors
from .forms import LanguageForm, LoginForm, ProfileForm
from .roles import Role, roles_of
from .throttles import client_address


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """Ends the local session; an app above may continue the sign-out elsewhere (see
    :mod:`lms.accounts.events`). Without such a continuation: the signed-out page."""

    template_name = "accounts/logged_out.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        continuations = [
            answer
            for _receiver, answer in events.signing_out.send(sender=type(self), request=request)
            if callable(answer)
        ]
        response = super().post(request, *args, **kwargs)
        for continue_ in continuations:
            onward = continue_(request)
            if onward is not None:
                return onward
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


def _reset_requested(view: FormView, form: Form, purpose: str) -> HttpResponse:
    """A valid reset form, on the site or in the Wagtail admin: the same work and the same
    answer whether or not the address belongs to anyone (see password_reset.py)."""
    request = view.request
    email = form.cleaned_data["email"]
    wait = password_reset.password_reset_allowed(email=email, client=client_address(request))
    if wait is not None:
        form.add_error(
            None,
            ngettext(
                "Too many password reset requests. Try again in %(minutes)d minute.",
                "Too many password reset requests. Try again in %(minutes)d minutes.",
                max(1, math.ceil(wait / 60)),
            )
            % {"minutes": max(1, math.ceil(wait / 60))},
        )
        response = view.form_invalid(form)
        response.status_code = 429
        return response
    language = translation.get_language() or settings.LANGUAGE_CODE
    return password_reset.RedirectThen(
        str(view.get_success_url()),
        lambda: password_reset.password_reset_later(
            email=email, purpose=purpose, language=language
        ),
    )


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: Form) -> HttpResponse:
        return _reset_requested(self, form, password_reset.SITE)


class AdminPasswordResetView(wagtail_account.PasswordResetView):
    """The Wagtail admin's reset form (``/cms/password_reset/``), with the site's rules;
    it serves only accounts that may use the admin."""

    def form_valid(self, form: Form) -> HttpResponse:
        return _reset_requested(self, form, password_reset.ADMIN)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


def _safe_next(request: HttpRequest, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/"


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Set the interface language (cookie, and the profile of a signed-in user)."""
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return render(request, "accounts/language_error.html", {"form": form}, status=400)
    language = form.cleaned_data["language"]
    response = HttpResponseRedirect(_safe_next(request, form.cleaned_data["next"]))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=getattr(settings, "LANGUAGE_COOKIE_SECURE", False),
        httponly=False,
    )
    if request.user.is_authenticated and request.user.preferred_language != language:
        request.user.preferred_language = language
        request.user.save(update_fields=["preferred_language"])
    translation.activate(language)
    return response


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=user)
        if form.is_valid():
            form.save()
            translation.activate(user.preferred_language)
            messages.success(request, _("Your profile has been saved."))
            return HttpResponseRedirect(request.path)
    else:
        form = ProfileForm(instance=user)
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "roles": sorted(role.label for role in roles_of(user)),
        },
    )


@login_required
def administration_list(request: HttpRequest) -> HttpResponse:
    """Administrations the actor may see, with aggregate figures only."""
    administrations = selectors.administration_list_for_user(request.user).annotate(
        unit_count=Count("units", distinct=True),
        officer_count=Count(
            "users",
            filter=Q(users__is_active=True, users__groups__name=Role.OFFICER.value),
            distinct=True,
        ),
    )
    return render(
        request, "accounts/administration_list.html", {"administrations": administrations}
    )


@login_required
def administration_detail(request: HttpRequest, code: str) -> HttpResponse:
    administration = selectors.access_administration(request.user, code)
    units = administration.units.select_related("parent").annotate(
        officer_count=Count("users", filter=Q(users__is_active=True))
    )
    page = None
    if selectors.can_see_people_of(request.user, administration):
        officers = (
            selectors.officer_list_for_user(request.user)
            .filter(administration=administration)
            .select_related("unit")
            .order_by("full_name", "username")
        )
        page = Paginator(officers, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/administration_detail.html",
        {
            "administration": administration,
            "units": units,
            "page": page,
        },
    )
