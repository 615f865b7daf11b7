"""Starts the real `cyanotype serve` binary on an ephemeral port with a temporary data directory.

The binary comes from CYANOTYPE_BIN (run.sh builds it and sets it). Every test gets the same server;
tests create their own buckets with random names so they do not see each other.
"""
import os
import random
import shutil
import string
import subprocess
import tempfile

import pytest

AK = "LTAIcompattestkey"
SK = "compat-test-secret-0123456789abcdef"
HERE = os.path.dirname(os.path.abspath(__file__))
TESTDATA = os.environ.get("CYANOTYPE_TESTDATA", os.path.join(HERE, "..", "..", "..", "shared", "testdata"))
EXAMPLE_JPG = os.path.join(TESTDATA, "oss", "example.jpg")


class Server:
    def __init__(self, proc, endpoint, data_dir):
        self.proc = proc
        self.endpoint = endpoint
        self.data_dir = data_dir


def start_server(extra_env=None):
    data_dir = tempfile.mkdtemp(prefix="cyanotype-compat-")
    env = dict(os.environ, CYANOTYPE_ACCESS_KEY_ID=AK, CYANOTYPE_ACCESS_KEY_SECRET=SK, **(extra_env or {}))
    binary = os.environ.get("CYANOTYPE_BIN", os.path.join(HERE, "..", "..", "target", "debug", "cyanotype"))
    proc = subprocess.Popen(
        [binary, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir],
        stdout=subprocess.PIPE, stderr=None, env=env, text=True,
    )
    for line in proc.stdout:
        if "listening on http://" in line:
            endpoint = line.split("listening on ")[1].split()[0]
            return Server(proc, endpoint, data_dir)
    raise RuntimeError("cyanotype serve exited before listening")


@pytest.fixture(scope="session")
def server():
    s = start_server()
    yield s
    s.proc.terminate()
    s.proc.wait(timeout=10)
    shutil.rmtree(s.data_dir, ignore_errors=True)


def random_name(prefix="compat"):
    return prefix + "-" + "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(10))


@pytest.fixture
def example_jpg():
    with open(EXAMPLE_JPG, "rb") as f:
        return f.read()
