from django.apps import AppConfig


class VoiceConfig(AppConfig):
    name = "partners.voice"
    label = "voice"
    verbose_name = "The person's voice"
