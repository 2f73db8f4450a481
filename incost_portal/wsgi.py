"""WSGI entry point: `gunicorn incost_portal.wsgi`."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "incost_portal.settings")
application = get_wsgi_application()
# What is loaded by now (Django, the apps, their modules: ~140,000 objects) lives as long as the
# worker: frozen out of the cyclic collector's sight, a full collection walks only what requests
# leave behind, instead of every object of the process with the GIL held (~130 ms on a 2-core
# machine, a pause for every thread of the worker).
gc.freeze()
