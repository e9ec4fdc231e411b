"""DynamoDB storage for access requests: the only module that imports boto3.

Every failure of the store (unreachable, timing out, throttled, missing table,
refused credentials) surfaces as :class:`StoreUnavailable`, which the views turn
into the GOV.UK 503 page, so the user's answers stay in their session.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from example.model import RECEIVED, AccessRequest, Decision

KEY = "reference"
TTL_ATTRIBUTE = "Expires"  # the default of Cloud Platform's DynamoDB module
_PROBE_TIMEOUT = 1.0  # seconds; a readiness probe must answer well inside the kubelet's timeout
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


class StoreUnavailable(RuntimeError):
    """DynamoDB could not be used just now; trying again later may work."""


class AlreadyDecided(RuntimeError):
    """Someone decided the request first; ``request`` is it as stored now (None if it has gone)."""

    def __init__(self, request: AccessRequest | None) -> None:
        super().__init__("already decided")
        self.request = request


def _error_code(error: Exception) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "ClientError"))
    return type(error).__name__


def _from_item(raw: Mapping[str, Any]) -> AccessRequest | None:
    """A request from DynamoDB's typed item, or None once it is past retention."""
    item = {name: _plain(_deserializer.deserialize(value)) for name, value in raw.items()}
    expires = item.get(TTL_ATTRIBUTE)
    if isinstance(expires, int) and expires <= time.time():
        return None  # past retention: DynamoDB's TTL deletes lazily, within days, but it is gone to us
    return AccessRequest.from_item(item)


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; every number here is a whole one."""
    return int(value) if isinstance(value, Decimal) else value


class AccessRequestStore:
    """One app's view of the access-requests table. Thread-safe; clients are made on first use."""

    def __init__(
        self,
        table_name: str,
        region: str,
        endpoint_url: str | None = None,
        connect_timeout: float = 2.0,
        read_timeout: float = 5.0,
        max_attempts: int = 3,
    ) -> None:
        self.table_name = table_name
        self.region = region
        self.endpoint_url = endpoint_url
        self._config = Config(
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"mode": "standard", "max_attempts": max_attempts},
        )
        # Probes fail fast: one attempt, short timeouts.
        self._probe_config = Config(
            connect_timeout=min(connect_timeout, _PROBE_TIMEOUT),
            read_timeout=min(read_timeout, _PROBE_TIMEOUT),
            retries={"mode": "standard", "max_attempts": 1},
        )
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> AccessRequestStore:
        """A store configured by the ``DYNAMODB_*`` keys of a validated app config."""
        return cls(
            table_name=config["DYNAMODB_TABLE_NAME"],
            region=config["DYNAMODB_REGION"],
            endpoint_url=config["DYNAMODB_ENDPOINT_URL"],
            connect_timeout=config["DYNAMODB_CONNECT_TIMEOUT"],
            read_timeout=config["DYNAMODB_READ_TIMEOUT"],
            max_attempts=config["DYNAMODB_MAX_ATTEMPTS"],
        )

    def _client(self, kind: str = "main") -> Any:
        with self._lock:
            if kind not in self._clients:
                # A session per store: boto3's default session is not safe to share across threads.
                self._clients[kind] = boto3.session.Session().client(
                    "dynamodb",
                    region_name=self.region,
                    endpoint_url=self.endpoint_url,
                    config=self._probe_config if kind == "probe" else self._config,
                )
            return self._clients[kind]

    def create_table(self) -> bool:
        """Create the table with TTL on ``Expires`` if it is missing. Returns True if it was created.

        Safe to run again and again: serve, the tests and ``flask create-table`` all use it.
        """
        client = self._client()
        try:
            try:
                client.create_table(
                    TableName=self.table_name,
                    AttributeDefinitions=[{"AttributeName": KEY, "AttributeType": "S"}],
                    KeySchema=[{"AttributeName": KEY, "KeyType": "HASH"}],
                    BillingMode="PAY_PER_REQUEST",
                )
                created = True
            except ClientError as error:
                if _error_code(error) != "ResourceInUseException":
                    raise
                created = False
            client.get_waiter("table_exists").wait(
                TableName=self.table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
            )
            ttl = client.describe_time_to_live(TableName=self.table_name)["TimeToLiveDescription"]
            if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
                client.update_time_to_live(
                    TableName=self.table_name,
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
                )
        except (BotoCoreError, ClientError) as error:
            raise StoreUnavailable(f"cannot create table {self.table_name}: {_error_code(error)}") from error
        return created

    def add_new(self, request: AccessRequest, retention_days: int) -> bool:
        """Store ``request`` unless its reference is already taken. Returns False if it was taken."""
        item = {name: _serializer.serialize(value) for name, value in request.to_item(retention_days).items()}
        try:
            self._client().put_item(
                TableName=self.table_name,
                Item=item,
                ConditionExpression="attribute_not_exists(#key)",
                ExpressionAttributeNames={"#key": KEY},
            )
        except ClientError as error:
            if _error_code(error) == "ConditionalCheckFailedException":
                return False
            raise StoreUnavailable(f"cannot store {request.reference}: {_error_code(error)}") from error
        except BotoCoreError as error:
            raise StoreUnavailable(f"cannot store {request.reference}: {_error_code(error)}") from error
        return True

    def get(self, reference: str) -> AccessRequest | None:
        """The stored request with this reference, or None."""
        try:
            response = self._client().get_item(
                TableName=self.table_name, Key={KEY: {"S": reference}}, ConsistentRead=True
            )
        except (BotoCoreError, ClientError) as error:
            raise StoreUnavailable(f"cannot read {reference}: {_error_code(error)}") from error
        return _from_item(response["Item"]) if "Item" in response else None

    def all_requests(self) -> list[AccessRequest]:
        """Every request still within retention, in no order.

        A scan: the table holds one team's requests for ``REQUEST_RETENTION_DAYS`` (hundreds, not
        millions). Past tens of thousands, add a status/submitted_at index and query it instead.
        """
        found: list[AccessRequest] = []
        kwargs: dict[str, Any] = {"TableName": self.table_name, "ConsistentRead": True}
        try:
            while True:
                page = self._client().scan(**kwargs)
                found += [request for request in map(_from_item, page.get("Items", ())) if request is not None]
                if "LastEvaluatedKey" not in page:
                    return found
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except (BotoCoreError, ClientError) as error:
            raise StoreUnavailable(f"cannot list requests: {_error_code(error)}") from error

    def decide(self, reference: str, decision: Decision) -> None:
        """Record ``decision`` if the request is still undecided, in one conditional update.

        Two staff deciding at once get one decision: the second update's condition fails and it
        raises :class:`AlreadyDecided` with the request as the first left it.
        """
        event = _serializer.serialize(decision.to_item())
        try:
            self._client().update_item(
                TableName=self.table_name,
                Key={KEY: {"S": reference}},
                UpdateExpression="SET #status = :outcome, #decision = :event, "
                "#audit = list_append(if_not_exists(#audit, :none), :events)",
                ConditionExpression="attribute_exists(#key) AND #status = :received",
                ExpressionAttributeNames={"#key": KEY, "#status": "status", "#decision": "decision", "#audit": "audit"},
                ExpressionAttributeValues={
                    ":outcome": {"S": decision.outcome},
                    ":event": event,
                    ":events": {"L": [event]},
                    ":none": {"L": []},
                    ":received": {"S": RECEIVED},
                },
            )
        except ClientError as error:
            if _error_code(error) == "ConditionalCheckFailedException":
                raise AlreadyDecided(self.get(reference)) from None
            raise StoreUnavailable(f"cannot decide {reference}: {_error_code(error)}") from error
        except BotoCoreError as error:
            raise StoreUnavailable(f"cannot decide {reference}: {_error_code(error)}") from error

    def readiness(self) -> str | None:
        """None when the table exists and is usable, else a short reason (for ``/readyz``)."""
        try:
            table = self._client("probe").describe_table(TableName=self.table_name)["Table"]
        except ClientError as error:
            if _error_code(error) == "ResourceNotFoundException":
                return f"table {self.table_name} not found"
            return f"dynamodb error {_error_code(error)}"
        except BotoCoreError as error:
            return f"dynamodb unreachable ({_error_code(error)})"
        status = table.get("TableStatus")
        return None if status in ("ACTIVE", "UPDATING") else f"table {self.table_name} is {status}"
