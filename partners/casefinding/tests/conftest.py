from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from partners.casefinding.tests.platform_data import write_extracts


@pytest.fixture(scope="session")
def extract_files(tmp_path_factory: Any) -> dict[str, Path]:
    return write_extracts(tmp_path_factory.mktemp("cf_extracts"), today=timezone.localdate())


@pytest.fixture
def imported(world: Any, extract_files: dict[str, Path]) -> dict[str, Any]:
    """Both extracts imported by the administrator."""
    from partners.casefinding import services
    from partners.conftest import actor_for

    admin = actor_for(world.users["admin"])
    register = services.extract_import(actor=admin, kind="register", filename="register.csv",
                                       data=extract_files["register"].read_bytes()).batch
    secondary = services.extract_import(actor=admin, kind="secondary", filename="secondary.csv",
                                        data=extract_files["secondary"].read_bytes()).batch
    return {"register": register, "secondary": secondary, "admin": admin}


@pytest.fixture
def run_linkage(imported: dict[str, Any]) -> Any:
    from partners.casefinding import services

    def _run(**kwargs: Any) -> Any:
        kwargs.setdefault("as_of", timezone.localdate())
        return services.linkage_run(actor=imported["admin"], register_batch_id=imported["register"].pk,
                                    secondary_batch_id=imported["secondary"].pk, **kwargs)

    return _run
