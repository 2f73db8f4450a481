import secrets

from cryptography.fernet import Fernet
from django.db import connection
from django.test import override_settings

from incost_portal.networks import token_vault
from incost_portal.networks.models import ApiToken
from incost_portal.networks.services import api_token_keys_rotate, api_token_plaintext, api_token_set
from tests.cast import BaseTestCase


def jwt_like(length: int) -> str:
    return secrets.token_urlsafe(length)[:length]


class TokenStorageTestCase(BaseTestCase):
    def raw_ciphertext(self, token: ApiToken) -> bytes:
        with connection.cursor() as cursor:
            cursor.execute("SELECT ciphertext FROM networks_apitoken WHERE id = %s", [token.pk])
            return bytes(cursor.fetchone()[0])

    def test_the_raw_column_holds_no_part_of_the_plaintext(self) -> None:
        plaintext = jwt_like(760)
        token = api_token_set(network=self.network, plaintext=plaintext, user=self.admin)
        raw = self.raw_ciphertext(token)
        windows = {plaintext[i : i + 8] for i in range(len(plaintext) - 8)}
        assert not any(window.encode() in raw for window in windows)
        assert plaintext[:50].encode() not in raw

    def test_a_2000_character_token_round_trips(self) -> None:
        plaintext = jwt_like(2000)
        token = api_token_set(network=self.network, plaintext=plaintext, user=self.admin)
        token.refresh_from_db()
        assert api_token_plaintext(token=token) == plaintext
        assert token.last_four == plaintext[-4:]

    def test_old_keys_still_decrypt_after_a_new_key_is_put_first(self) -> None:
        old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
        plaintext = jwt_like(800)
        with override_settings(TOKEN_ENCRYPTION_KEYS=[old_key]):
            token = api_token_set(network=self.network, plaintext=plaintext, user=self.admin)
        with override_settings(TOKEN_ENCRYPTION_KEYS=[new_key, old_key]):
            token.refresh_from_db()
            assert api_token_plaintext(token=token) == plaintext
            assert api_token_keys_rotate() == 1
        # After rotation the newest key alone is enough.
        with override_settings(TOKEN_ENCRYPTION_KEYS=[new_key]):
            token.refresh_from_db()
            assert api_token_plaintext(token=token) == plaintext

    def test_a_token_under_an_unknown_key_is_a_clear_error(self) -> None:
        plaintext = jwt_like(800)
        token = api_token_set(network=self.network, plaintext=plaintext, user=self.admin)
        with override_settings(TOKEN_ENCRYPTION_KEYS=[Fernet.generate_key().decode()]):
            token.refresh_from_db()
            try:
                api_token_plaintext(token=token)
            except token_vault.TokenDecryptError as error:
                assert plaintext not in str(error)
            else:
                raise AssertionError("decrypting under the wrong key must fail")

    def test_setting_a_token_revokes_the_one_before(self) -> None:
        first = api_token_set(network=self.network, plaintext=jwt_like(700), user=self.admin)
        second = api_token_set(network=self.network, plaintext=jwt_like(700), user=self.admin)
        first.refresh_from_db()
        assert first.revoked_at is not None
        assert second.revoked_at is None
        assert ApiToken.objects.filter(network=self.network, revoked_at__isnull=True).count() == 1

    def test_repr_and_str_never_show_the_token(self) -> None:
        plaintext = jwt_like(700)
        token = api_token_set(network=self.network, plaintext=plaintext, user=self.admin)
        for text in (repr(token), str(token)):
            assert plaintext[:-4] not in text
            assert plaintext[:8] not in text

    def test_it_refuses_what_cannot_be_a_token(self) -> None:
        from django.core.exceptions import ValidationError

        for bad in ("short", "has a space " + "x" * 40, "line\nbreak" + "x" * 40):
            try:
                api_token_set(network=self.network, plaintext=bad, user=self.admin)
            except ValidationError:
                continue
            raise AssertionError(f"{bad!r} was accepted")
        assert not ApiToken.objects.filter(network=self.network).exists()
