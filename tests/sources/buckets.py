"""A real S3-compatible server for the sources' tests: moto's server mode on a local port."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import requests
from moto.server import ThreadedMotoServer

from incost_portal.runtime.redis_server import free_port

ACCESS_KEY_ID = "AKIAEXAMPLEKEY12"
SECRET_KEY = "s3-secret-example-9f8e7d6c"


@dataclass
class S3:
    endpoint: str
    client: Any

    def bucket(self, name: str) -> None:
        self.client.create_bucket(Bucket=name)

    def put(self, bucket: str, key: str, body: bytes) -> str:
        """Write an object (again); its new ETag."""
        return str(self.client.put_object(Bucket=bucket, Key=key, Body=body)["ETag"]).strip('"')


@contextmanager
def s3_running() -> Iterator[S3]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_KEY,
    )
    # moto keeps its buckets in the process: each test starts from none.
    requests.post(f"{endpoint}/moto-api/reset", timeout=10)
    try:
        yield S3(endpoint=endpoint, client=client)
    finally:
        server.stop()
