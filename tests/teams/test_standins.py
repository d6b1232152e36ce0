"""The Microsoft-cloud stand-ins behave as the real services do, for the SDK's own clients.

Each check drives a stand-in over real HTTP with the Microsoft 365 Agents SDK's code, not with
hand-written requests, so a stand-in that drifted from what the SDK sends or expects fails
here first, rather than as a puzzling end-to-end failure.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import aiohttp
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from microsoft_agents.activity import (
    Activity,
    Attachment,
    ChannelAccount,
    ConversationParameters,
)
from microsoft_agents.hosting.core.authorization import (
    AgentAuthConfiguration,
    AuthenticationConstants,
    ClaimsIdentity,
)
from microsoft_agents.hosting.core.authorization.jwt.jwt_token_validator import (
    JwtTokenValidator,
)
from microsoft_agents.hosting.core.connector.client import ConnectorClient
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient
from microsoft_agents.hosting.core.rest_channel_service_client_factory import (
    RestChannelServiceClientFactory,
)

from tests.teams.standins import (
    ADAPTIVE_CARD,
    BOT_CONNECTOR_SCOPE,
    GRAPH_SCOPE,
    RedirectedJwkClientManager,
    StandInConnections,
    TeamsCloud,
    new_signing_key,
)

VEL = ("29:1vel", "aaaaaaaa-0000-0000-0000-000000000001", "Vel Kenny")
SALLY = ("29:1sally", "aaaaaaaa-0000-0000-0000-000000000002", "Sally Clewes")
NIGEL = ("29:1nigel", "aaaaaaaa-0000-0000-0000-000000000003", "Nigel Richardson")
CARD = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "1.8"}]}


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    """One key for the module: making a 2048-bit key costs ~0.1 s a test otherwise."""
    return new_signing_key()


@pytest.fixture
def cloud(signing_key: rsa.RSAPrivateKey) -> Iterator[TeamsCloud]:
    with TeamsCloud(signing_key=signing_key) as running:
        for teams_id, aad, name in (VEL, SALLY, NIGEL):
            running.connector.add_person(teams_id, aad, name)
        yield running


def _validator(cloud: TeamsCloud) -> tuple[JwtTokenValidator, RedirectedJwkClientManager]:
    """The SDK's validator as production will build it: its key lookup moved to the stand-in."""
    validator = JwtTokenValidator(
        AgentAuthConfiguration(client_id=cloud.app_id, tenant_id=cloud.tenant_id)
    )
    keys = RedirectedJwkClientManager(cloud.openid.jwks_url)
    validator._jwk_client_manager = keys
    return validator, keys


async def _connector_token(cloud: TeamsCloud, scope: str = BOT_CONNECTOR_SCOPE) -> str:
    provider = cloud.connections().get_default_connection()
    return await provider.get_access_token(scope, [f"{scope}/.default"])


def _conversation(cloud: TeamsCloud, member_id: str, **extra: Any) -> ConversationParameters:
    return ConversationParameters(
        is_group=False,
        bot=ChannelAccount(id=f"28:{cloud.app_id}"),
        members=[ChannelAccount(id=member_id)],
        tenant_id=cloud.tenant_id,
        **extra,
    )


def _message(text: str, **extra: Any) -> Activity:
    return Activity(type="message", text=text, channel_id="msteams", **extra)


# -- the signing keys, checked by the SDK's own validator -----------------------------------


def test_the_sdk_validator_accepts_a_stand_in_token_and_reads_its_claims(
    cloud: TeamsCloud,
) -> None:
    validator, keys = _validator(cloud)

    identity = asyncio.run(validator.validate_token(cloud.inbound_token()))

    assert identity.get_claim_value("aud") == cloud.app_id
    assert identity.get_claim_value("serviceurl") == cloud.connector.service_url
    assert identity.get_claim_value("iss") == "https://api.botframework.com"
    # The validator wanted the Bot Framework's real key URL; only the fetch was moved.
    assert keys.asked == [AuthenticationConstants.PUBLIC_ABS_JWKS_URL]


def test_the_sdk_validator_refuses_forged_expired_and_misaddressed_tokens(
    cloud: TeamsCloud,
) -> None:
    validator, _ = _validator(cloud)

    async def refusal(token: str) -> Exception:
        try:
            await validator.validate_token(token)
        except Exception as refused:
            return refused
        raise AssertionError("the token was accepted")

    forged = asyncio.run(refusal(cloud.inbound_token(forged=True)))
    expired = asyncio.run(refusal(cloud.inbound_token(expired=True)))
    elsewhere = asyncio.run(
        refusal(cloud.openid.token("someone-else", service_url=cloud.connector.service_url))
    )

    assert isinstance(forged, jwt.InvalidSignatureError)
    assert isinstance(expired, jwt.ExpiredSignatureError)
    assert type(elsewhere) is ValueError
    assert str(elsewhere) == "Invalid audience."
    assert cloud.openid.key_fetches == 1  # one validator, one key set: cached


def test_the_openid_metadata_points_at_the_stand_in_keys(cloud: TeamsCloud) -> None:
    with urllib.request.urlopen(cloud.openid.openid_url, timeout=5) as answer:
        metadata = json.load(answer)
    with urllib.request.urlopen(metadata["jwks_uri"], timeout=5) as answer:
        (key,) = json.load(answer)["keys"]

    assert metadata["issuer"] == "https://api.botframework.com"
    assert metadata["id_token_signing_alg_values_supported"] == ["RS256"]
    assert (key["kid"], key["kty"], key["alg"], key["use"]) == ("test-key-1", "RSA", "RS256", "sig")
    assert key["endorsements"] == ["msteams"]


# -- outbound tokens ----------------------------------------------------------------------


def test_the_connections_get_a_token_over_http_and_cache_it(cloud: TeamsCloud) -> None:
    connections = cloud.connections()

    async def twice() -> tuple[str, str, str]:
        provider = connections.get_default_connection()
        first = await provider.get_access_token(BOT_CONNECTOR_SCOPE, [])
        again = await provider.get_access_token(BOT_CONNECTOR_SCOPE, [])
        graph = await provider.get_access_token(GRAPH_SCOPE, [f"{GRAPH_SCOPE}/.default"])
        return first, again, graph

    first, again, graph = asyncio.run(twice())

    assert first == again
    assert cloud.entra.issued == 2  # one per scope
    assert cloud.entra.is_valid(first, BOT_CONNECTOR_SCOPE)
    assert not cloud.entra.is_valid(first, GRAPH_SCOPE)
    assert cloud.entra.is_valid(graph, GRAPH_SCOPE)
    configuration = connections.get_default_connection_configuration()
    assert configuration.client_id == cloud.app_id
    assert configuration.tenant_id == cloud.tenant_id


def test_a_wrong_secret_gets_no_token(cloud: TeamsCloud) -> None:
    wrong = StandInConnections(
        cloud.entra.url, client_id=cloud.app_id, client_secret="nope", tenant_id=cloud.tenant_id
    )

    with pytest.raises(ValueError, match="invalid_client"):
        asyncio.run(wrong.get_default_connection().get_access_token(BOT_CONNECTOR_SCOPE, []))
    assert cloud.entra.issued == 0
    assert cloud.entra.requests[-1].status == 401


# -- the Bot Connector, through the SDK's ConnectorClient -----------------------------------


def test_a_personal_conversation_for_an_installed_user_then_send_reply_update(
    cloud: TeamsCloud,
) -> None:
    cloud.connector.install(VEL[1])  # by aadObjectId

    async def converse() -> tuple[str, str, str]:
        client = ConnectorClient(cloud.connector.service_url, await _connector_token(cloud))
        try:
            created = await client.conversations.create_conversation(_conversation(cloud, VEL[1]))
            assert created.id is not None
            sent = await client.conversations.send_to_conversation(
                created.id,
                _message(
                    "",
                    attachments=[Attachment(content_type=ADAPTIVE_CARD, content=CARD)],
                ),
            )
            assert sent.id is not None
            replied = await client.conversations.reply_to_activity(
                created.id, sent.id, _message("noted")
            )
            updated = await client.conversations.update_activity(
                created.id, sent.id, _message("updated", id=sent.id)
            )
            assert updated.id == sent.id
            return created.id, sent.id, str(replied.id)
        finally:
            await client.close()

    conversation, card_id, reply_id = asyncio.run(converse())

    assert conversation == f"a:personal-{VEL[0]}"
    assert cloud.connector.conversation_of(VEL[1]) == conversation
    assert cloud.connector.conversation_of(VEL[0]) == conversation
    assert cloud.connector.conversation_of(SALLY[1]) is None
    card, reply = cloud.connector.wait_for_sent(2)
    assert (card["conversation"], card["id"], card["reply_to"]) == (conversation, card_id, None)
    assert card["activity"]["attachments"][0]["content"] == CARD
    assert (reply["id"], reply["reply_to"], reply["activity"]["text"]) == (
        reply_id,
        card_id,
        "noted",
    )
    (update,) = cloud.connector.updates()
    assert (update["id"], update["activity"]["text"]) == (card_id, "updated")
    # The paths carried the service URL's own path before "v3/".
    assert {r.path.split("/v3/")[0] for r in cloud.connector.requests} == {"/amer"}


def test_an_uninstalled_user_gets_a_readable_403(cloud: TeamsCloud) -> None:
    async def create() -> aiohttp.ClientResponseError:
        client = ConnectorClient(cloud.connector.service_url, await _connector_token(cloud))
        try:
            await client.conversations.create_conversation(_conversation(cloud, SALLY[0]))
        except aiohttp.ClientResponseError as refused:
            return refused
        finally:
            await client.close()
        raise AssertionError("the conversation was created")

    refused = asyncio.run(create())

    assert refused.status == 403
    assert refused.message == "Forbidden"  # create_conversation leaves the body unread
    assert cloud.connector.conversation_of(SALLY[1]) is None
    assert cloud.connector.sent() == []


def test_an_injected_429_carries_retry_after_and_records_nothing(cloud: TeamsCloud) -> None:
    cloud.connector.fail_next(1, 429, retry_after=2)

    async def send_twice() -> tuple[aiohttp.ClientResponseError, str | None]:
        client = ConnectorClient(cloud.connector.service_url, await _connector_token(cloud))
        try:
            try:
                await client.conversations.send_to_conversation("19:board", _message("first"))
            except aiohttp.ClientResponseError as throttled:
                retried = await client.conversations.send_to_conversation(
                    "19:board", _message("first")
                )
                return throttled, retried.id
        finally:
            await client.close()
        raise AssertionError("the send was not throttled")

    throttled, retried_id = asyncio.run(send_twice())

    assert throttled.status == 429
    assert throttled.headers is not None
    assert throttled.headers.get("Retry-After") == "2"
    assert json.loads(throttled.message)["error"]["code"] == "TooManyRequests"
    (sent,) = cloud.connector.sent("19:board")
    assert sent["id"] == retried_id
    assert [r.status for r in cloud.connector.requests[-2:]] == [429, 201]


def test_without_a_bot_connector_token_the_connector_answers_401(cloud: TeamsCloud) -> None:
    async def send(token: str) -> int:
        client = ConnectorClient(cloud.connector.service_url, token)
        try:
            await client.conversations.send_to_conversation("19:board", _message("hi"))
        except aiohttp.ClientResponseError as refused:
            return refused.status
        finally:
            await client.close()
        return 201

    async def graph_token() -> str:
        return await _connector_token(cloud, GRAPH_SCOPE)

    assert asyncio.run(send("made-up-token")) == 401
    assert asyncio.run(send(asyncio.run(graph_token()))) == 401  # issued, but not for it
    assert cloud.connector.sent() == []


def test_paged_members_page_through_the_roster(cloud: TeamsCloud) -> None:
    async def members() -> tuple[list[list[str]], str | None, str | None]:
        client = ConnectorClient(cloud.connector.service_url, await _connector_token(cloud))
        try:
            pages, token = [], None
            while True:
                page = await client.conversations.get_conversation_paged_members(
                    "19:team", page_size=2, continuation_token=token
                )
                pages.append([m.id for m in page.members])
                token = page.continuation_token
                if not token:
                    break
            one = await client.conversations.get_conversation_member("19:team", SALLY[1])
            return pages, one.id, getattr(one, "email", None)
        finally:
            await client.close()

    pages, sally_id, sally_email = asyncio.run(members())

    assert pages == [[VEL[0], SALLY[0]], [NIGEL[0]]]
    assert (sally_id, sally_email) == (SALLY[0], "sally@council.example")


def test_the_sdk_factory_builds_a_teams_client_that_the_connector_accepts(
    cloud: TeamsCloud,
) -> None:
    """The path production takes: SDK factory -> our Connections -> Entra stand-in -> token."""
    factory = RestChannelServiceClientFactory(cloud.connections())
    identity = ClaimsIdentity({"aud": cloud.app_id}, "Bearer")

    async def page() -> list[str]:
        client = await factory.create_connector_client(
            None, identity, cloud.connector.service_url, BOT_CONNECTOR_SCOPE
        )
        assert isinstance(client, TeamsConnectorClient)
        try:
            result = await client.get_conversation_paged_member("19:team", 50, "")
            return [m.aad_object_id for m in result.members]
        finally:
            await client.close()

    assert asyncio.run(page()) == [VEL[1], SALLY[1], NIGEL[1]]
    assert "/amer/v3/conversations/19:team/pagedMembers" in {
        r.path for r in cloud.connector.requests
    }


def test_a_held_send_is_recorded_before_the_bot_hears_back(cloud: TeamsCloud) -> None:
    cloud.connector.hold = 0.3

    async def send() -> bool:
        client = ConnectorClient(cloud.connector.service_url, await _connector_token(cloud))
        try:
            sending = asyncio.ensure_future(
                client.conversations.send_to_conversation("19:board", _message("held"))
            )
            await asyncio.to_thread(cloud.connector.wait_for_sent, 1)
            answered_early = sending.done()
            await sending
            return answered_early
        finally:
            await client.close()

    assert asyncio.run(send()) is False


# -- Graph -------------------------------------------------------------------------------


def test_installing_through_graph_lets_the_bot_open_the_chat(cloud: TeamsCloud) -> None:
    app = cloud.graph.external_id

    async def install_then_converse() -> dict[str, Any]:
        token = await _connector_token(cloud, GRAPH_SCOPE)
        headers = {"Authorization": f"Bearer {token}"}
        base = cloud.graph.graph_url
        async with aiohttp.ClientSession(headers=headers) as graph:
            async with graph.get(
                f"{base}/appCatalogs/teamsApps", params={"$filter": f"externalId eq '{app}'"}
            ) as answer:
                (catalog,) = (await answer.json())["value"]
            installed_apps = f"{base}/users/{VEL[1]}/teamwork/installedApps"
            bind = f"{base}/appCatalogs/teamsApps/{catalog['id']}"
            async with graph.post(installed_apps, json={"teamsApp@odata.bind": bind}) as answer:
                assert (answer.status, await answer.read()) == (201, b"")
            async with graph.post(installed_apps, json={"teamsApp@odata.bind": bind}) as answer:
                assert answer.status == 409  # already installed
            query = {"$expand": "teamsApp", "$filter": f"teamsApp/externalId eq '{app}'"}
            async with graph.get(installed_apps, params=query) as answer:
                (installation,) = (await answer.json())["value"]
            async with graph.get(f"{installed_apps}/{installation['id']}/chat") as answer:
                chat_id = (await answer.json())["id"]

            client = ConnectorClient(cloud.connector.service_url, await _connector_token(cloud))
            try:
                created = await client.conversations.create_conversation(
                    _conversation(cloud, VEL[0])
                )
                assert created.id == chat_id
                await client.conversations.send_to_conversation(
                    chat_id,
                    _message(
                        "Your actions",
                        attachments=[Attachment(content_type=ADAPTIVE_CARD, content=CARD)],
                    ),
                )
                await client.conversations.send_to_conversation(chat_id, _message("second"))
            finally:
                await client.close()

            async with graph.get(f"{base}/chats/{chat_id}/messages", params={"$top": "5"}) as got:
                messages: dict[str, Any] = await got.json()
            return {"catalog": catalog, "installation": installation, "messages": messages}

    seen = asyncio.run(install_then_converse())

    assert seen["catalog"]["externalId"] == app
    assert seen["installation"]["teamsApp"]["id"] == "catalog-app-1"
    assert cloud.graph.installs == [VEL[1]]
    newest, oldest = seen["messages"]["value"]
    assert newest["body"] == {"contentType": "html", "content": "second"}
    assert oldest["from"]["application"]["id"] == cloud.app_id
    (attachment,) = oldest["attachments"]
    assert attachment["contentType"] == ADAPTIVE_CARD
    assert json.loads(attachment["content"]) == CARD
    assert oldest["body"]["content"] == (
        f'Your actions<attachment id="{attachment["id"]}"></attachment>'
    )


def test_graph_refuses_an_install_the_policy_blocks_and_a_connector_token(
    cloud: TeamsCloud,
) -> None:
    cloud.graph.allow_install = False
    bind = {"teamsApp@odata.bind": f"{cloud.graph.graph_url}/appCatalogs/teamsApps/catalog-app-1"}
    url = f"{cloud.graph.graph_url}/users/{SALLY[1]}/teamwork/installedApps"

    async def install(token: str) -> int:
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            aiohttp.ClientSession(headers=headers) as graph,
            graph.post(url, json=bind) as answer,
        ):
            return answer.status

    async def statuses() -> tuple[int, int]:
        return (
            await install(await _connector_token(cloud, GRAPH_SCOPE)),
            await install(await _connector_token(cloud)),
        )

    assert asyncio.run(statuses()) == (403, 401)
    assert not cloud.connector.is_installed(SALLY[1])
    assert cloud.graph.installs == []


def test_after_an_uninstall_sends_to_the_chat_get_403_with_the_reason(cloud: TeamsCloud) -> None:
    cloud.connector.install(SALLY[0])

    async def send_after_uninstall() -> aiohttp.ClientResponseError:
        client = ConnectorClient(cloud.connector.service_url, await _connector_token(cloud))
        try:
            created = await client.conversations.create_conversation(_conversation(cloud, SALLY[0]))
            assert created.id is not None
            cloud.connector.uninstall(SALLY[1])
            await client.conversations.send_to_conversation(created.id, _message("hello?"))
        except aiohttp.ClientResponseError as refused:
            return refused
        finally:
            await client.close()
        raise AssertionError("the send was accepted")

    refused = asyncio.run(send_after_uninstall())

    assert refused.status == 403
    assert "not part of the conversation roster" in json.loads(refused.message)["error"]["message"]
    assert cloud.connector.sent() == []


def test_graph_reads_a_channel_and_its_thread_with_deletions_gone(cloud: TeamsCloud) -> None:
    channel = "19:board@thread.tacv2"

    async def post_then_read() -> tuple[list[str], list[str]]:
        client = ConnectorClient(cloud.connector.service_url, await _connector_token(cloud))
        try:
            root = await client.conversations.send_to_conversation(channel, _message("root"))
            gone = await client.conversations.send_to_conversation(channel, _message("gone"))
            assert gone.id is not None
            await client.conversations.delete_activity(channel, gone.id)
            await client.conversations.send_to_conversation(
                f"{channel};messageid={root.id}", _message("in thread")
            )
        finally:
            await client.close()
        token = await _connector_token(cloud, GRAPH_SCOPE)
        base = f"{cloud.graph.graph_url}/teams/team-1/channels/{channel}/messages"
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as graph:
            async with graph.get(base) as answer:
                posts = [m["body"]["content"] for m in (await answer.json())["value"]]
            async with graph.get(f"{base}/{root.id}/replies") as answer:
                replies = [m["body"]["content"] for m in (await answer.json())["value"]]
        return posts, replies

    assert asyncio.run(post_then_read()) == (["root"], ["in thread"])
    assert [d["conversation"] for d in cloud.connector.deletes()] == [channel]
