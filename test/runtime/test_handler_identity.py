"""Who the reviewer is, for every kind of caller the construct supports, with events shaped as API Gateway
sends them (identifiers replaced by examples in AWS's documented formats)."""

from __future__ import annotations

import pytest
from api_events import call

ACCOUNT = "123456789012"

#: requestContext.authorizer of a Cognito user pool authorizer: the ID token's claims, as strings.
COGNITO_USER_POOL = {
    "claims": {
        "sub": "8f2e0c51-3c3a-4b79-9c6a-1c1f2a7d9e10",
        "cognito:username": "alice",
        "email": "alice@example.com",
        "email_verified": "true",
        "aud": "2k1jbq3e4example5clientid",
        "token_use": "id",
        "auth_time": "1764412800",
        "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_aBcDeFgHi",
        "exp": "Sun Nov 29 23:00:00 UTC 2026",
        "iat": "Sun Nov 29 22:00:00 UTC 2026",
    }
}
#: requestContext.authorizer of a Lambda (TOKEN or REQUEST) authorizer for an Auth0 user.
LAMBDA_AUTHORIZER = {"principalId": "auth0|0123456789abcdef01234567", "integrationLatency": 12, "plan": "gold"}


def iam_identity(caller: str, user_arn: str, **extra: str | None) -> dict[str, str | None]:
    """requestContext.identity of a SigV4-signed request."""
    return {
        "cognitoIdentityPoolId": None,
        "accountId": ACCOUNT,
        "cognitoIdentityId": None,
        "caller": caller,
        "accessKey": "ASIAEXAMPLEACCESSKEY",
        "cognitoAuthenticationType": None,
        "cognitoAuthenticationProvider": None,
        "userArn": user_arn,
        "userAgent": "aws-sdk-js/3.700.0",
        "user": caller,
        **extra,
    }


IAM_USER = iam_identity("AIDAEXAMPLEUSERID1234", f"arn:aws:iam::{ACCOUNT}:user/shop-importer")
IAM_ROLE_SESSION = iam_identity(
    "AROAEXAMPLEROLEID1234:order-service", f"arn:aws:sts::{ACCOUNT}:assumed-role/OrderService/order-service"
)


def identity_pool_user(identity_id: str, user_pool_sub: str) -> dict[str, str | None]:
    """An app user signing with Cognito identity pool credentials: every user shares the pool's role."""
    pool_role_session = "AROAEXAMPLEPOOLROLE12:CognitoIdentityCredentials"
    return iam_identity(
        pool_role_session,
        f"arn:aws:sts::{ACCOUNT}:assumed-role/Cognito_ShopAuth_Role/CognitoIdentityCredentials",
        cognitoIdentityPoolId="us-east-1:4c2a9f6e-0000-4000-8000-0123456789ab",
        cognitoIdentityId=identity_id,
        cognitoAuthenticationType="authenticated",
        cognitoAuthenticationProvider=(
            "cognito-idp.us-east-1.amazonaws.com/us-east-1_aBcDeFgHi,"
            f"cognito-idp.us-east-1.amazonaws.com/us-east-1_aBcDeFgHi:CognitoSignIn:{user_pool_sub}"
        ),
    )


ALICE_VIA_POOL = identity_pool_user("us-east-1:9a1b2c3d-0000-4000-8000-00000000000a", "alice-sub")
BOB_VIA_POOL = identity_pool_user("us-east-1:9a1b2c3d-0000-4000-8000-00000000000b", "bob-sub")


@pytest.mark.parametrize(
    ("caller", "kwargs", "reviewer"),
    [
        ("Cognito user pool authorizer", {"authorizer": COGNITO_USER_POOL}, COGNITO_USER_POOL["claims"]["sub"]),
        ("Lambda authorizer", {"authorizer": LAMBDA_AUTHORIZER}, LAMBDA_AUTHORIZER["principalId"]),
        ("IAM user", {"identity": IAM_USER}, "AIDAEXAMPLEUSERID1234"),
        ("IAM role session", {"identity": IAM_ROLE_SESSION}, "AROAEXAMPLEROLEID1234:order-service"),
        ("Cognito identity pool", {"identity": ALICE_VIA_POOL}, "us-east-1:9a1b2c3d-0000-4000-8000-00000000000a"),
    ],
)
def test_each_kind_of_caller_is_the_reviewer(reviews_table, caller, kwargs, reviewer):
    created = call("POST", {"product_id": "p-identity", "rating": 4}, **kwargs)
    assert created.status == 201, (caller, created.body)
    assert created.body["review"]["reviewer_id"] == reviewer
    listed = call("GET", query={"reviewer_id": reviewer}).body["reviews"]
    assert [r["review_id"] for r in listed] == [created.body["review"]["review_id"]]


def test_identity_pool_users_are_individuals_with_their_own_listings_and_keys(reviews_table):
    key = {"Idempotency-Key": "same-key-on-two-devices-0001"}
    alice = call("POST", {"product_id": "p-pool", "rating": 5}, identity=ALICE_VIA_POOL, headers=key)
    bob = call("POST", {"product_id": "p-pool", "rating": 2}, identity=BOB_VIA_POOL, headers=key)
    # The same Idempotency-Key from two users is two reviews, not a replay or a conflict.
    assert (alice.status, bob.status) == (201, 201) and "Idempotent-Replayed" not in bob.headers
    assert alice.body["review"]["reviewer_id"] != bob.body["review"]["reviewer_id"]
    for user, created in ((ALICE_VIA_POOL, alice), (BOB_VIA_POOL, bob)):
        mine = call("GET", query={"reviewer_id": user["cognitoIdentityId"]}).body["reviews"]
        assert [r["review_id"] for r in mine] == [created.body["review"]["review_id"]]
    # Nobody's listing is the pool role's.
    assert call("GET", query={"reviewer_id": ALICE_VIA_POOL["caller"]}).body["reviews"] == []


#: Subjects as common identity providers issue them (formats from their documentation; values made up).
PROVIDER_SUBJECTS = {
    "Auth0 database user": "auth0|0123456789abcdef01234567",
    "Auth0 social login": "google-oauth2|109876543210987654321",
    "Okta": "00u1abcd2EFGH3ijk4l5",
    "Microsoft Entra ID object id": "5d6e7f80-91a2-4b3c-8d4e-5f6071829304",
    "Firebase Authentication uid": "kX9r2fQ7bWc1ZtU8pLm3NvYs4Ah2",
    "Sign in with Apple": "001234.0a1b2c3d4e5f60718293a4b5c6d7e8f9.1234",
    "GitHub": "1234567",
    "Clerk": "user_2NNEqL2nrIRdJ194ndJqAHwEfxC",
    "an e-mail as the subject": "alice+reviews@example.com",
    "Cognito identity pool": "us-east-1:9a1b2c3d-0000-4000-8000-00000000000c",
}


@pytest.mark.parametrize("provider", PROVIDER_SUBJECTS)
def test_identity_providers_subjects_are_reviewer_ids_everywhere(reviews_table, provider):
    subject = PROVIDER_SUBJECTS[provider]
    authorizer = {"principalId": subject}
    created = [call("POST", {"product_id": f"p-{n}", "rating": 3}, authorizer=authorizer) for n in range(3)]
    assert [c.status for c in created] == [201] * 3, created[0].body
    # Listed by the id as the client sends it (a query string, decoded by API Gateway), two per page: the
    # paging token carries the id through.
    first = call("GET", query={"reviewer_id": subject, "limit": "2"})
    assert first.status == 200 and first.body["count"] == 2 and first.body["next_token"]
    second = call("GET", query={"reviewer_id": subject, "limit": "2", "next_token": first.body["next_token"]})
    assert second.body["count"] == 1 and second.body["next_token"] is None
    listed = {r["review_id"] for r in first.body["reviews"] + second.body["reviews"]}
    assert listed == {c.body["review"]["review_id"] for c in created}
    # An open-writes deployment takes the same ids in the body.
    assert call("POST", {"product_id": "p-open", "reviewer_id": subject, "rating": 1}).status == 201


@pytest.mark.parametrize("principal", ["has space", "tab\there", "caf\u00e9", "x" * 257])
def test_a_principal_that_cannot_be_a_reviewer_id_is_a_403_saying_why(reviews_table, principal):
    answer = call("POST", {"product_id": "p-1", "rating": 3}, authorizer={"principalId": principal})
    assert answer.status == 403 and answer.body["details"] == ["principal: must be 1-256 visible ASCII characters"]
    assert reviews_table.scan()["Items"] == []
