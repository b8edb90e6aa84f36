import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partners.settings")
application = get_wsgi_application()

from partners.common.runtime import settle_for_serving  # noqa: E402 - needs Django set up first

settle_for_serving()
