"""The real Rasa and action servers shared by the end-to-end modules that ask for `servers`
(test_end_to_end.py, test_end_to_end_questions.py): started once for the package, not per module,
since a start costs about a minute. A module with its own `servers` fixture uses its own."""

from __future__ import annotations

import pytest

from tests.support.servers import running_servers


@pytest.fixture(scope="package")
def servers(tmp_path_factory):
    with running_servers(tmp_path_factory.mktemp("servers")) as servers:
        servers.staff = {
            name: servers.add_staff(name, role)
            for name, role in (
                ("reader", "intake"),
                ("officer1", "intake"),
                ("officer2", "intake"),
                ("officer3", "intake"),
                ("officer4", "intake"),
                ("officer5", "intake"),
                ("officer6", "intake"),
                ("super", "supervisor"),
                ("manager", "case_manager"),
            )
        }
        yield servers
