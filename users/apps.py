from django.apps import AppConfig
from django.db.models.signals import post_migrate


class UsersConfig(AppConfig):
    name = "users"
    verbose_name = "Companies and users"

    def ready(self) -> None:
        import users.selectors  # noqa: F401  (registers the scoping rules)
        from kernel.problems import register_problem_codes
        from users import generations, invariants
        from users.codes import USER_PROBLEM_CODES
        from users.roles import ensure_system_role_groups

        register_problem_codes(USER_PROBLEM_CODES)
        generations.connect_receivers()
        invariants.connect_receivers()

        # Permissions only exist after migrate has run, so the role groups that
        # hold them are (re)synced then rather than in a data migration.
        post_migrate.connect(ensure_system_role_groups, sender=self)
