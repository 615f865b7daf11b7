"""The real alibabacloud-oss-v2 SDK against cyanotype: its default V4 signer and the V1 signer."""
import io
import os

import alibabacloud_oss_v2 as oss
import pytest
from PIL import Image

from conftest import AK, SK, random_name


def make_client(endpoint, version, ak=AK, sk=SK):
    cfg = oss.config.load_default()
    cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(ak, sk)
    cfg.region = "cn-hangzhou"
    cfg.endpoint = endpoint
    cfg.use_path_style = True
    # get_object_to_file loops over range(1, attempts): with 1 attempt it would never download.
    cfg.retry_max_attempts = 2
    if version == "v1":
        cfg.signature_version = "v1"
    return oss.Client(cfg)


@pytest.fixture(params=["v4", "v1"])
def client(request, server):
    return make_client(server.endpoint, request.param)


@pytest.fixture
def bucket(client):
    name = random_name()
    r = client.put_bucket(oss.PutBucketRequest(
        bucket=name, acl="private",
        create_bucket_configuration=oss.CreateBucketConfiguration(storage_class="IA")))
    assert r.status_code == 200 and r.status == "OK" and len(r.request_id) == 24
    yield name
    objs = client.list_objects_v2(oss.ListObjectsV2Request(bucket=name))
    for o in objs.contents or []:
        client.delete_object(oss.DeleteObjectRequest(bucket=name, key=o.key))
    client.delete_bucket(oss.DeleteBucketRequest(bucket=name))


def test_styles_like_the_sdk_integration_test(client, bucket):
    for name in ["imagestyle", "imagestyle2"]:
        r = client.put_style(oss.PutStyleRequest(
            bucket=bucket, style_name=name, category="image",
            style=oss.StyleContent(content="image/resize,p_50")))
        assert r.status_code == 200
    g = client.get_style(oss.GetStyleRequest(bucket=bucket, style_name="imagestyle"))
    assert g.style.content == "image/resize,p_50" and g.style.category == "image"
    assert g.style.create_time and g.style.last_modify_time
    listed = client.list_style(oss.ListStyleRequest(bucket=bucket))
    assert [s.name for s in listed.style_list.styles] == ["imagestyle", "imagestyle2"]
    for name in ["imagestyle", "imagestyle2"]:
        r = client.delete_style(oss.DeleteStyleRequest(bucket=bucket, style_name=name))
        assert r.status_code == 204


def test_objects_processing_and_errors(client, bucket, example_jpg, tmp_path):
    r = client.put_object(oss.PutObjectRequest(bucket=bucket, key="ex.jpg", body=example_jpg))
    assert r.status_code == 200 and r.hash_crc64
    got = client.get_object(oss.GetObjectRequest(bucket=bucket, key="ex.jpg"))
    assert got.body.read() == example_jpg
    got = client.get_object(oss.GetObjectRequest(bucket=bucket, key="ex.jpg", process="image/resize,w_120"))
    assert Image.open(io.BytesIO(got.body.read())).size == (120, 80)
    # The downloader checks the CRC of processed bytes too.
    target = tmp_path / "p.jpg"
    client.get_object_to_file(oss.GetObjectRequest(bucket=bucket, key="ex.jpg", process="image/resize,w_60"), str(target))
    assert Image.open(target).size == (60, 40)
    # Accented metadata: sent as ISO-8859-1, signed as UTF-8 (was SignatureDoesNotMatch).
    client.put_object(oss.PutObjectRequest(bucket=bucket, key="meta.txt", body=b"x", metadata={"name": "José"}))
    assert client.head_object(oss.HeadObjectRequest(bucket=bucket, key="meta.txt")).metadata["name"] == "José"
    with pytest.raises(oss.exceptions.OperationError) as e:
        client.get_object(oss.GetObjectRequest(bucket=bucket, key="missing"))
    err = e.value.unwrap()
    assert err.status_code == 404 and err.code == "NoSuchKey" and err.ec == "0026-00000001"
    with pytest.raises(oss.exceptions.OperationError) as e:
        client.head_object(oss.HeadObjectRequest(bucket=bucket, key="missing"))
    assert e.value.unwrap().status_code == 404 and e.value.unwrap().ec == "0026-00000001"
    with pytest.raises(oss.exceptions.OperationError) as e:
        client.get_object(oss.GetObjectRequest(bucket=bucket, key="ex.jpg", process="image/resize,w_0"))
    assert e.value.unwrap().code == "InvalidArgument"


def test_process_object(client, bucket, example_jpg):
    import base64
    client.put_object(oss.PutObjectRequest(bucket=bucket, key="src.jpg", body=example_jpg))
    dest = base64.urlsafe_b64encode(b"dest.jpg").decode()
    r = client.process_object(oss.ProcessObjectRequest(
        bucket=bucket, key="src.jpg", process="image/resize,w_100|sys/saveas,o_" + dest))
    assert r.status_code == 200 and r.bucket == "" and r.key == "dest.jpg" and r.process_status == "OK"
    assert int(r.file_size) > 0
    with pytest.raises(oss.exceptions.OperationError) as e:
        client.process_object(oss.ProcessObjectRequest(
            bucket="no-such-bucket-xyz", key="src.jpg", process="image/resize,w_100|sys/saveas,o_" + dest))
    err = e.value.unwrap()
    assert err.status_code == 404 and err.code == "NoSuchBucket" and err.ec == "0015-00000101"
    assert err.message == "The specified bucket does not exist."


def test_invalid_access_key(server):
    bad = make_client(server.endpoint, "v4", ak="LTAIinvalid")
    with pytest.raises(oss.exceptions.OperationError) as e:
        bad.get_bucket_info(oss.GetBucketInfoRequest(bucket="no-such-bucket-xyz"))
    err = e.value.unwrap()
    assert err.status_code == 403 and err.code == "InvalidAccessKeyId"


def test_presign_v4_with_process(client, bucket, example_jpg, server):
    import requests
    client.put_object(oss.PutObjectRequest(bucket=bucket, key="ps.jpg", body=example_jpg))
    pre = client.presign(oss.GetObjectRequest(bucket=bucket, key="ps.jpg", process="image/resize,w_90"))
    r = requests.get(pre.url)
    assert r.status_code == 200, r.content
    assert Image.open(io.BytesIO(r.content)).size == (90, 60)


def test_copier_multipart_copy(client, bucket):
    """The SDK's Copier in multipart mode: InitiateMultipartUpload with the source's metadata, one
    UploadPartCopy per range, then Complete, whose CRC-64 it checks against the source's."""
    data = os.urandom(700_000)
    client.put_object(oss.PutObjectRequest(bucket=bucket, key="src", body=data,
                                           content_type="application/x-test",
                                           metadata={"who": "me"}))
    copier = client.copier()
    r = copier.copy(oss.CopyObjectRequest(bucket=bucket, key="dst", source_key="src"),
                    multipart_copy_threshold=100 * 1024, part_size=256 * 1024,
                    disable_shallow_copy=True, parallel_num=2)
    assert r.upload_id  # it went multipart, not through CopyObject
    head = client.head_object(oss.HeadObjectRequest(bucket=bucket, key="dst"))
    assert head.object_type == "Multipart" and head.content_length == len(data)
    assert head.content_type == "application/x-test" and head.metadata == {"who": "me"}
    got = client.get_object(oss.GetObjectRequest(bucket=bucket, key="dst")).body.read()
    assert got == data


def test_tagging_and_restore_like_the_sdk_integration_tests(client, bucket):
    # The fixture's bucket is IA: its objects are IA unless a PUT names another class.
    client.put_object(oss.PutObjectRequest(bucket=bucket, key="t", body=b"t", tagging="a=1&b=2"))
    h = client.head_object(oss.HeadObjectRequest(bucket=bucket, key="t"))
    assert h.storage_class == "IA" and h.tagging_count == 2
    tags = client.get_object_tagging(oss.GetObjectTaggingRequest(bucket=bucket, key="t"))
    assert [(t.key, t.value) for t in tags.tag_set.tags] == [("a", "1"), ("b", "2")]
    r = client.put_object_tagging(oss.PutObjectTaggingRequest(
        bucket=bucket, key="t", tagging=oss.Tagging(tag_set=oss.TagSet(tags=[oss.Tag(key="k", value="v")]))))
    assert r.status_code == 200
    tags = client.get_object_tagging(oss.GetObjectTaggingRequest(bucket=bucket, key="t"))
    assert [(t.key, t.value) for t in tags.tag_set.tags] == [("k", "v")]
    assert client.delete_object_tagging(oss.DeleteObjectTaggingRequest(bucket=bucket, key="t")).status_code == 204
    client.put_object(oss.PutObjectRequest(bucket=bucket, key="cold", body=b"c", storage_class="ColdArchive"))
    r = client.restore_object(oss.RestoreObjectRequest(
        bucket=bucket, key="cold", restore_request=oss.RestoreRequest(days=3, tier="Expedited")))
    assert r.status_code == 202
    with pytest.raises(oss.exceptions.OperationError) as e:
        client.restore_object(oss.RestoreObjectRequest(bucket=bucket, key="cold"))
    err = e.value.unwrap()
    assert err.status_code == 409 and err.code == "RestoreAlreadyInProgress"
    assert err.message == "The restore operation is in progress."
