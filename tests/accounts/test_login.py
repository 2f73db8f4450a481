from django.core import mail

from tests.cast import PASSWORD, BaseTestCase


class LoginTestCase(BaseTestCase):
    def post_login(self, password: str, username: str = "olga"):  # type: ignore[no-untyped-def]
        return self.client.post("/accounts/login/", {"username": username, "password": password})

    def test_it_works(self) -> None:
        response = self.post_login(PASSWORD)
        self.assertRedirects(response, "/", fetch_redirect_response=False)
        self.assertRedirects(self.client.get("/"), self.url("dashboard:index"))

    def test_a_wrong_password_keeps_the_username(self) -> None:
        response = self.post_login("wrong")
        assert response.status_code == 200
        self.assertContains(response, 'value="olga"')
        self.assertContains(response, "enter a correct username and password")

    def test_repeated_failures_are_throttled(self) -> None:
        for _ in range(5):
            self.post_login("wrong")
        response = self.post_login(PASSWORD)
        assert response.status_code == 429
        self.assertContains(response, "Too many failed log-ins", status_code=429)
        # Another user from the same address is not locked out by olga's failures.
        response = self.post_login(PASSWORD, username="rita")
        self.assertRedirects(response, "/", fetch_redirect_response=False)

    def test_logout_needs_post(self) -> None:
        self.login(self.ops)
        assert self.client.get("/accounts/logout/").status_code == 405
        self.assertRedirects(self.client.post("/accounts/logout/"), "/accounts/login/")
        self.assertRedirects(self.client.get("/"), "/accounts/login/?next=/")


class PasswordTestCase(BaseTestCase):
    def test_password_reset_sends_a_one_time_link(self) -> None:
        response = self.client.post("/accounts/password/reset/", {"email": "olga@example.org"})
        self.assertRedirects(response, "/accounts/password/reset/sent/")
        assert len(mail.outbox) == 1
        assert "/accounts/password/reset/" in mail.outbox[0].body

    def test_password_change_works(self) -> None:
        self.login(self.ops)
        response = self.client.post(
            "/accounts/password/",
            {
                "old_password": PASSWORD,
                "new_password1": "a new long secret 42",
                "new_password2": "a new long secret 42",
            },
        )
        self.assertRedirects(response, "/accounts/password/done/")
        self.ops.refresh_from_db()
        assert self.ops.check_password("a new long secret 42")

    def test_password_change_keeps_what_was_typed_on_error(self) -> None:
        self.login(self.ops)
        response = self.client.post(
            "/accounts/password/", {"old_password": "wrong", "new_password1": "x", "new_password2": "y"}
        )
        assert response.status_code == 200
        self.assertContains(response, "Your old password was entered incorrectly")
