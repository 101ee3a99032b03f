from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.template import loader
from django.utils.translation import gettext_lazy as _

from lms.celery import send_after_commit

from .validators import NAME_MAX_LENGTH, validate_full_name


class RegistrationForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=NAME_MAX_LENGTH,
        help_text=_("As it should appear on your certificate, in any script."),
        validators=[validate_full_name],
    )
    username = forms.CharField(label=_("Username"), max_length=150)
    email = forms.EmailField(label=_("Email"))
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"), choices=settings.LANGUAGES, initial="en"
    )


class ProfileForm(forms.Form):
    full_name = forms.CharField(
        label=_("Name on certificates"),
        max_length=NAME_MAX_LENGTH,
        help_text=_("As it should appear on your certificates, in any script."),
        validators=[validate_full_name],
        widget=forms.TextInput(attrs={"data-name-preview-source": "", "autocomplete": "name"}),
    )
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"), choices=settings.LANGUAGES
    )
    email = forms.EmailField(
        label=_("Email"),
        help_text=_("A new address takes effect once you follow the link we send to it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, its e-mail sent by a worker.

    Sending in the request would make the answer for a known address slower than for an
    unknown one, which tells an onlooker which addresses have accounts.
    """

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        send_after_commit("accounts.tasks.send_rendered_email", subject, body, to_email, None)


class ConfirmPasswordForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
