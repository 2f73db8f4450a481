"""Every download of the cost pages: tenancy and content."""

from tests.builders import csv_bytes
from tests.costs.pages import CostPagesTestCase, row


class DownloadsTestCase(CostPagesTestCase):
    def test_an_outsider_gets_404_on_every_download(self) -> None:
        upload = self.make_upload(csv_bytes([row()]))
        self.login(self.outsider)
        for url in (
            self.url("costs:upload_sample", "csv"),
            self.url("costs:upload_annotated", upload.code),
            self.url("costs:upload_original", upload.code),
            self.url("costs:export"),
        ):
            assert self.client.get(url).status_code == 404, url
        # Nor through the outsider's own network: the upload is not his.
        own = self.url("costs:upload_original", upload.code, network=self.cast.other_network)
        assert self.client.get(own).status_code == 404

    def test_a_template_carries_the_networks_media_source_and_app(self) -> None:
        self.login(self.ops)
        response = self.client.get(self.url("costs:upload_sample", "csv"))
        text = response.content.decode()
        assert text.splitlines()[0].startswith("date,app_id,media_source,campaign_id,campaign_name")
        assert ",acme_int," in text and ("id123456789" in text or "com.acme.game" in text)
