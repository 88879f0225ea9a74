"""Writes guarded by the SSM write token, and reviewer_id taken from an authorizer's principal."""

import socket

import boto3
import pytest
from api_events import call, review
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from examples import examples
from tap_reviews.function_code.reviews_runtime import auth, contract

TOKEN = "s3cr3t-write-token-0123456789"
PARAMETER = "/tap/auth/token"


@pytest.fixture(scope="module")
def ssm_server():
    """moto's SSM (SecureString with decryption) on a free loopback port; DynamoDB stays on DynamoDB Local."""
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def guarded(reviews_table, ssm_server, monkeypatch):
    """The handler with writes guarded by a SecureString holding TOKEN."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", ssm_server)
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name=PARAMETER, Value=TOKEN, Type="SecureString", Overwrite=True)
    monkeypatch.setenv(contract.ENV_WRITE_TOKEN_PARAMETER, PARAMETER)
    return ssm


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        bearer("wrong"),
        bearer(""),
        bearer("\ud800"),
        {"Authorization": TOKEN},
        {"Authorization": f"Basic {TOKEN}"},
        bearer(TOKEN + "x"),
    ],
)
def test_post_without_the_right_bearer_token_is_a_401_and_stores_nothing(guarded, reviews_table, headers):
    answer = call("POST", review(), headers=headers)
    assert answer.status == 401 and answer.body["error"] == "unauthorized"
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="reviews"'
    assert reviews_table.scan()["Items"] == []


def test_post_with_the_token_is_stored_and_reads_stay_public(guarded, reviews_table):
    assert call("POST", review(), headers={"authorization": f"bearer {TOKEN}"}).status == 201
    assert call("GET", query={"product_id": "p-1"}).body["count"] == 1


def test_the_token_never_appears_in_answers_or_logs(guarded, capsys, caplog):
    answers = [call("POST", review(), headers=bearer(t)) for t in (TOKEN, "wrong", TOKEN[:-1])]
    output = capsys.readouterr()
    seen = output.out + output.err + caplog.text + "".join(str(a.body) + str(a.headers) for a in answers)
    assert TOKEN not in seen and TOKEN[:-1] not in seen


def test_the_token_is_fetched_once_then_cached(guarded, monkeypatch):
    fetches = []
    real_fetch = auth._fetch_token
    monkeypatch.setattr(auth, "_fetch_token", lambda name: fetches.append(name) or real_fetch(name))
    for _ in range(3):
        assert call("POST", review(), headers=bearer(TOKEN)).status == 201
    assert fetches == [PARAMETER]


def test_a_rotated_token_takes_over_without_a_deployment(guarded, monkeypatch):
    assert call("POST", review(), headers=bearer(TOKEN)).status == 201
    guarded.put_parameter(Name=PARAMETER, Value="rotated-token", Type="SecureString", Overwrite=True)
    # Within the mismatch window the cached token still rules...
    assert call("POST", review(), headers=bearer("rotated-token")).status == 401
    # ...after it, a caller with the new token makes the function re-read SSM; the old token stops working.
    monkeypatch.setattr(auth, "_fetched_at", auth._fetched_at - auth.TOKEN_REFRESH_ON_MISMATCH_SECONDS)
    assert call("POST", review(), headers=bearer("rotated-token")).status == 201
    assert call("POST", review(), headers=bearer(TOKEN)).status == 401


def test_a_missing_token_parameter_is_a_500_not_an_open_door(guarded, reviews_table, monkeypatch):
    monkeypatch.setenv(contract.ENV_WRITE_TOKEN_PARAMETER, "/tap/auth/missing")
    answer = call("POST", review(), headers=bearer(TOKEN))
    assert answer.status == 500 and reviews_table.scan()["Items"] == []


def test_an_authorizers_principal_becomes_the_reviewer(reviews_table):
    cognito = {"claims": {"sub": "7d1e-user"}}
    created = call("POST", {"product_id": "p-1", "rating": 5}, authorizer=cognito)
    assert created.status == 201 and created.body["review"]["reviewer_id"] == "7d1e-user"
    lambda_authorizer = {"principalId": "user@example.com"}
    assert call("POST", review(reviewer_id="user@example.com"), authorizer=lambda_authorizer).status == 201
    assert call("GET", query={"reviewer_id": "user@example.com"}).body["count"] == 1


def test_posting_as_someone_else_than_the_principal_is_a_403_and_stores_nothing(reviews_table):
    answer = call("POST", review(reviewer_id="someone-else"), authorizer={"principalId": "me"})
    assert answer.status == 403 and answer.body["error"] == "forbidden"
    assert reviews_table.scan()["Items"] == []


@pytest.mark.parametrize(
    "authorizer",
    [{"principalId": "", "claims": "x"}, {"claims": ["sub"]}, {"principalId": 7}, {"principalId": "\ud800"}],
)
def test_odd_authorizer_contexts_are_no_500(reviews_table, authorizer):
    answer = call("POST", review(), authorizer=authorizer)
    assert answer.status in (201, 403)


def test_without_a_principal_reviewer_id_stays_required(reviews_table):
    answer = call("POST", {"product_id": "p-1", "rating": 5})
    assert answer.status == 400 and answer.body["details"] == ["reviewer_id: required"]


@settings(
    max_examples=examples(100),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    database=None,
)
@given(authorization=st.text(st.characters(exclude_categories=()), max_size=60))
def test_any_authorization_header_is_a_201_only_with_the_token(guarded, authorization):
    answer = call("POST", review(), headers={"Authorization": authorization})
    scheme, _, given_token = authorization.strip().partition(" ")
    expected = 201 if scheme.lower() == "bearer" and given_token.strip() == TOKEN else 401
    assert answer.status == expected
