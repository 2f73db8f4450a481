"""The /api/v1/ operations: a django-ninja Router per resource, added to the API in `rest.py`."""
