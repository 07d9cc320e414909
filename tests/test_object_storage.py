"""The store and the export on S3: against a local S3 server (moto's) that the test starts on 127.0.0.1."""

import json
import socket
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.slow

BUCKET = "newscorpus-test"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        server.kill()
        pytest.fail("the local S3 server (moto) did not start")
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(10)


@pytest.fixture
def s3(s3_server, monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": s3_server,
        "AWS_ALLOW_HTTP": "true",
    }.items():
        monkeypatch.setenv(name, value)
    import boto3

    client = boto3.client("s3", endpoint_url=s3_server)
    client.create_bucket(Bucket=BUCKET)
    yield client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _keys(client, prefix):
    return [
        item["Key"]
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
        for item in page.get("Contents", [])
    ]


def test_every_command_works_on_a_store_in_a_bucket_and_the_export_goes_there_too(cli, s3, seed_copy, tmp_path):
    settings = cli.workspace.settings_path
    settings.write_text(settings.read_text().replace('location = ""', f'location = "s3://{BUCKET}/corpus"'))
    cli("ingest", str(seed_copy))
    cli("tokenize")
    assert "1 documents pre-annotated" in cli("preannotate").stdout
    assert not (cli.workspace.store_dir / "tables").exists()  # nothing on local disk
    keys = _keys(s3, "corpus/tables/")
    assert any(key.startswith("corpus/tables/documents/_delta_log/") for key in keys)
    assert any(key.startswith("corpus/tables/preannotate/") and key.endswith(".parquet") for key in keys)

    rows = {
        line.split("│")[1].strip(): line.split("│")[2].strip()
        for line in cli("status").stdout.splitlines()
        if line.count("│") >= 4
    }
    assert rows["ingest"] == rows["tokenize"] == rows["preannotate"] == "1"
    dumped = json.loads(cli("dump").stdout)
    assert "VRAEM" in dumped["text"]
    assert any(claim["text"] == "6,300 kilograms" for claim in dumped["claims"])
    assert "6,300 kilograms" in cli("show", dumped["id"][:8]).stdout

    out = f"s3://{BUCKET}/exports/vraem"
    cli("export", "--include-unreviewed", "--out", out)
    assert "exports/vraem/dataset_dict.json" in _keys(s3, "exports/")
    assert cli("export", "--include-unreviewed", "--out", out, expect=1).stderr.startswith("error: [E061]")

    import datasets
    import pyarrow.fs

    from pipeline.util.objectstore import remote_filesystem

    filesystem, path = remote_filesystem(out)
    pyarrow.fs.copy_files(
        path, str(tmp_path / "copy"), source_filesystem=filesystem, destination_filesystem=pyarrow.fs.LocalFileSystem()
    )
    loaded = datasets.load_from_disk(str(tmp_path / "copy"))
    assert sum(len(split) for split in loaded.values()) == 1

    compacted = cli("store", "compact", "--retention-hours", "0").stdout
    assert "documents: 1 files" in compacted
    assert json.loads(cli("dump").stdout)["claims"] == dumped["claims"]


@pytest.mark.faults
def test_a_bucket_that_cannot_be_reached_is_one_line_naming_it(cli, monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{_free_port()}",
        "AWS_ALLOW_HTTP": "true",
    }.items():
        monkeypatch.setenv(name, value)  # nothing listens there
    settings = cli.workspace.settings_path
    settings.write_text(settings.read_text().replace('location = ""', f'location = "s3://{BUCKET}/corpus"'))
    result = cli("status", expect=1)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: [E023] s3://{BUCKET}/corpus/tables/documents: ")
    assert "\x1b[" not in result.stderr and "AWS_ENDPOINT_URL" in lines[0]


@pytest.mark.faults
def test_two_ingests_at_once_on_a_bucket_never_store_a_document_twice(cli, s3, tmp_path):
    """A bucket has no lock file: two writers may both succeed, or one may stop with [E022], but no
    document is stored twice, and a re-run completes the store."""
    settings = cli.workspace.settings_path
    text = settings.read_text().replace('location = ""', f'location = "s3://{BUCKET}/corpus"')
    settings.write_text(text.replace("segment_size = 500", "segment_size = 2"))
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        "".join(
            json.dumps({"id": f"s{n}", "text": f"Story {n}: police in Lima seized {n} boats."}) + "\n"
            for n in range(40)
        )
    )
    cli("ingest", str(_first_lines(feed, 2)))  # the table exists before the two start
    command = [sys.executable, "-m", "pipeline", "--workspace", str(cli.workspace.root), "--quiet", "ingest", str(feed)]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(run.wait(120), run.stderr.read()) for run in runs]
    for code, stderr in results:
        assert code == 0 or ("[E022]" in stderr and stderr.count("\n") == 1), stderr
    cli("ingest", str(feed))
    ids = [json.loads(line)["meta"]["external_id"] for line in cli("dump").stdout.splitlines()]
    assert sorted(ids) == sorted(f"s{n}" for n in range(40)), "a document stored twice or lost"


def _first_lines(path, count):
    first = path.with_name("first.jsonl")
    first.write_text("".join(path.read_text().splitlines(keepends=True)[:count]))
    return first
