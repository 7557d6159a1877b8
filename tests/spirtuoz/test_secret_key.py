"""SECRET_KEY as Render generates it (256 random bits in 44 characters of base64) becomes the
same bits in hex, long enough for Django's deploy check; any other value is left as it is, for
the check to judge."""

import base64

from django.core.checks.security.base import _check_secret_key

from spirtuoz.secretkey import django_secret_key

RANDOM_BITS = bytes(range(7, 39))
GENERATED = base64.b64encode(RANDOM_BITS).decode()


def test_a_value_render_generated_is_its_bits_in_hex():
    assert len(GENERATED) == 44

    key = django_secret_key(GENERATED)

    assert key == RANDOM_BITS.hex()
    assert len(key) == 64
    assert _check_secret_key(key)


def test_the_url_safe_alphabet_and_no_padding_are_read_alike():
    url_safe = base64.urlsafe_b64encode(b"\xfb\xff" * 16).decode()
    assert "-" in url_safe or "_" in url_safe

    assert django_secret_key(url_safe.rstrip("=")) == (b"\xfb\xff" * 16).hex()
    assert django_secret_key(url_safe) == (b"\xfb\xff" * 16).hex()


def test_a_key_of_django_s_own_making_is_left_as_it_is():
    key = "n6#v@x2!b(9k$q0z^w8e&r7t*y5u+i4o)p3a-s1d_f9g=h8j.k7"

    assert django_secret_key(key) == key


def test_a_short_or_weak_value_is_left_for_the_deploy_check_to_refuse():
    assert django_secret_key("k") == "k"
    assert not _check_secret_key(django_secret_key("k"))
    # The shape of Render's value, but no randomness in it: its hex is no better.
    zeros = base64.b64encode(bytes(32)).decode()
    assert not _check_secret_key(django_secret_key(zeros))


def test_44_characters_that_are_not_256_bits_of_base64_are_left_as_they_are():
    not_base64 = "this is not base64 at all, just 44 chars...!"
    more_bits = base64.b64encode(bytes(range(33))).decode()
    assert len(not_base64) == len(more_bits) == 44

    assert django_secret_key(not_base64) == not_base64
    assert django_secret_key(more_bits) == more_bits
