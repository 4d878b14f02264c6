"""A website's pages are objects like any other: the index document a directory key reads (the root one, or
the one under the directory with SupportSubDir) and the error document a missing key reads are served only
to whoever may read them."""

import pytest

from .conftest import error_code

INDEX, SUB, ERROR = b"<p>home</p>", b"<p>docs home</p>", b"<p>not here</p>"


def _website(accounts, bucket, sub_dir=False, status=None):
    index = "<IndexDocument><Suffix>index.html</Suffix>" + ("<SupportSubDir>true</SupportSubDir>" if sub_dir else "")
    error = "<ErrorDocument><Key>error.html</Key>" + (f"<HttpStatus>{status}</HttpStatus>" if status else "")
    body = f"<WebsiteConfiguration>{index}</IndexDocument>{error}</ErrorDocument></WebsiteConfiguration>"
    assert accounts.owner.call("PUT", bucket, params={"website": ""}, data=body.encode()).status_code == 200


@pytest.fixture
def site(accounts):
    bucket = accounts.bucket("public-read")
    _website(accounts, bucket)
    return bucket


@pytest.mark.parametrize("who", ["anon", "other"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_private_index_document_is_not_served(accounts, site, who, method):
    accounts.put(site, "index.html", INDEX, acl="private")
    resp = getattr(accounts, who).call(method, site, "docs/")
    assert resp.status_code == 403 and error_code(resp) == "AccessDenied" and INDEX not in resp.content
    assert accounts.owner.call("GET", site, "docs/").content == INDEX


def test_a_private_index_under_a_directory_is_not_served(accounts):
    bucket = accounts.bucket("public-read")
    _website(accounts, bucket, sub_dir=True)
    accounts.put(bucket, "docs/index.html", SUB, acl="private")
    accounts.put(bucket, "open/index.html", INDEX)
    assert error_code(accounts.anon.call("GET", bucket, "docs/")) == "AccessDenied"
    assert accounts.anon.call("GET", bucket, "open/").content == INDEX


def test_an_index_document_that_links_to_a_private_object_is_not_served(accounts, site):
    accounts.put(site, "home.html", INDEX, acl="private")
    assert accounts.link(site, "index.html", "home.html").status_code == 200
    assert error_code(accounts.anon.call("GET", site, "docs/")) == "AccessDenied"


def test_a_public_index_document_is_served_to_anyone(accounts, site):
    accounts.put(site, "index.html", INDEX)
    assert accounts.anon.call("GET", site, "docs/").content == INDEX


def test_the_error_document_is_served_only_when_its_reader_may_read_it(accounts, site):
    accounts.put(site, "error.html", ERROR)
    page = accounts.anon.call("GET", site, "no/such/page.html")
    assert page.status_code == 404 and page.content == ERROR
    accounts.owner.call("PUT", site, "error.html", params={"acl": ""}, headers={"x-oss-object-acl": "private"})
    for actor in (accounts.anon, accounts.other):
        plain = actor.call("GET", site, "no/such/page.html")
        assert plain.status_code == 404 and error_code(plain) == "NoSuchKey" and ERROR not in plain.content
    assert accounts.owner.call("GET", site, "no/such/page.html").content == ERROR


def test_the_error_document_answers_with_its_status(accounts):
    bucket = accounts.bucket("public-read")
    _website(accounts, bucket, status=200)
    accounts.put(bucket, "error.html", ERROR)
    page = accounts.anon.call("GET", bucket, "missing", headers={"Range": "bytes=0-1"})
    assert page.status_code == 200 and page.content == ERROR  # sent whole
    assert accounts.anon.call("HEAD", bucket, "missing").status_code == 404  # a HEAD gets no page
