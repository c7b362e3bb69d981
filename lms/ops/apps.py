from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "lms.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from . import checks, metrics  # noqa: F401  (deploy checks; task outcome counters)

        metrics.connect_task_signals()
