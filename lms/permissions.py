"""Wagtail admin permission policies shared by the apps."""

from wagtail.permission_policies import ModelPermissionPolicy


class RestrictedPolicy(ModelPermissionPolicy):
    """Django's model permissions, except for actions nobody may take by hand in the admin.

    Records that the rules create (certificates, enrolments, submissions) must not be added or
    deleted from a generic form: a hand-made row would skip the rule and its progress event.
    """

    def __init__(self, model, refused=("add", "change", "delete"), **kwargs):
        super().__init__(model, **kwargs)
        self.refused = frozenset(refused)

    def user_has_permission(self, user, action):
        return action not in self.refused and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        return super().users_with_any_permission([a for a in actions if a not in self.refused])
