import pytest

from .providers import CLIENT_ID
from .standin_op import standin_provider


@pytest.fixture
def op():
    """The OpenID provider stand-in (lms/sso/tests/standin_op.py)."""
    with standin_provider(CLIENT_ID) as provider:
        yield provider
