"""Test data, built through the services wherever a service exists."""

import itertools
from dataclasses import dataclass

from domain.access import SYSTEM, Actor
from domain.db import transaction
from domain.models import GeoLevel, GeoNode, User
from domain.services.access import load_actor
from domain.services.users import create_user

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


@dataclass
class Factories:
    def user(self, role: str = "admin", *, username: str | None = None, password: str = PASSWORD,
             scope_code: str | None = None, full_name: str | None = None) -> User:
        name = username or f"{role.replace('_', '')}{next(_seq)}"
        return create_user(SYSTEM, username=name, full_name=full_name or name.title(), role=role,
                           password=password, scope_code=scope_code)

    def actor(self, role: str = "admin", *, scope_code: str | None = None, username: str | None = None) -> Actor:
        user = self.user(role, scope_code=scope_code, username=username)
        assert user.id is not None
        actor = load_actor(user.id)
        assert actor is not None
        return actor

    def geo(self, code: str, name: str, level: GeoLevel, parent: GeoNode | None = None) -> GeoNode:
        """A geography node with its materialised path (admin services for geography come with master data)."""
        with transaction(SYSTEM) as tx:
            node = GeoNode(code=code, name=name, level=level, parent_id=parent.id if parent else None)
            tx.session.add(node)
            tx.session.flush()
            node.path = f"{parent.path if parent else '/'}{node.id}/"
            tx.session.add(node)
        return node

    def geography(self) -> dict[str, GeoNode]:
        """Two regions under one zone, each with a territory: enough to test scope."""
        zone = self.geo("KE", "Kenya", GeoLevel.ZONE)
        state = self.geo("KE-RV", "Rift Valley", GeoLevel.STATE, zone)
        rift = self.geo("RFT", "Rift", GeoLevel.REGION, state)
        state2 = self.geo("KE-CT", "Central", GeoLevel.STATE, zone)
        nairobi = self.geo("NRB", "Nairobi", GeoLevel.REGION, state2)
        area = self.geo("NKR", "Nakuru", GeoLevel.AREA, rift)
        nkr_town = self.geo("NKR-T", "Nakuru Town", GeoLevel.TERRITORY, area)
        area2 = self.geo("WST", "Westlands", GeoLevel.AREA, nairobi)
        westlands = self.geo("WST-T", "Westlands Town", GeoLevel.TERRITORY, area2)
        return {"zone": zone, "rift": rift, "nairobi": nairobi, "nakuru_town": nkr_town,
                "westlands": westlands}
