from django.conf import settings


def operator(request) -> dict:
    """The operator's name for page titles and the header."""
    return {"operator_name": settings.OPERATOR_NAME}
