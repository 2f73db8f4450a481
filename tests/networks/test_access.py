import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from incost_portal.networks.access import Access, tenancy_for, tenant_object
from incost_portal.networks.models import App
from tests.cast import BaseTestCase


class AccessTestCase(BaseTestCase):
    def test_members_get_their_role(self) -> None:
        assert tenancy_for(self.admin, self.network.code, need=Access.ADMIN).is_admin
        assert tenancy_for(self.ops, self.network.code, need=Access.WRITE).can_write
        assert not tenancy_for(self.reviewer, self.network.code).can_write

    def test_an_outsider_gets_404(self) -> None:
        with pytest.raises(Http404):
            tenancy_for(self.outsider, self.network.code)

    def test_a_reviewer_cannot_write_and_ops_cannot_administer(self) -> None:
        with pytest.raises(PermissionDenied):
            tenancy_for(self.reviewer, self.network.code, need=Access.WRITE)
        with pytest.raises(PermissionDenied):
            tenancy_for(self.ops, self.network.code, need=Access.ADMIN)

    def test_objects_of_another_network_are_404(self) -> None:
        tenancy = tenancy_for(self.admin, self.network.code)
        assert tenant_object(tenancy, App, code=self.cast.ios_app.code) == self.cast.ios_app
        with pytest.raises(Http404):
            tenant_object(tenancy, App, code=self.cast.other_app.code)
