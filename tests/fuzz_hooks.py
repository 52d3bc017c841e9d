"""Schemathesis hooks for tests/test_api_fuzz.py: the fuzzer keeps its own access.

Generated calls may name any id the API has shown, its own user's too: deleting or
demoting that user, or logging its token out, would turn the rest of the run into 401s
and test nothing. Those calls go to a stranger's id, or log out a spare token, instead.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import schemathesis

USERS_ITEM = "/api/v1/users/{item_id}"
LOGOUT = "/api/v1/auth/logout"


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Sign every call in, and redirect those that would take the fuzzer's access away."""
    path, method = case.operation.path, case.method.upper()
    token = os.environ["FEDCRM_FUZZ_SPARE_TOKEN" if path == LOGOUT else "FEDCRM_FUZZ_TOKEN"]
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
    item_id = str((case.path_parameters or {}).get("item_id"))
    own = path == USERS_ITEM and item_id == os.environ["FEDCRM_FUZZ_USER_ID"]
    if own and method in ("PATCH", "DELETE"):
        case.path_parameters = {**case.path_parameters, "item_id": str(uuid.uuid4())}
