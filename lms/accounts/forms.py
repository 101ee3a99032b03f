from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import User
from .validators import validate_no_control_characters


class RegistrationForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        help_text=_("As it should appear on your certificate, in any script."),
        validators=[validate_no_control_characters],
    )
    username = forms.CharField(label=_("Username"), max_length=150)
    email = forms.EmailField(label=_("Email"))
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"), choices=settings.LANGUAGES, initial="en"
    )


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("full_name", "email", "preferred_language")
