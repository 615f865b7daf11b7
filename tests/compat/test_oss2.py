"""The real oss2 SDK (aliyun-oss-python-sdk) against cyanotype, with V1 and V4 signatures."""
import base64
import hashlib
import hmac
import http.client
import io
import json
import os
import time
import urllib.parse

import oss2
import pytest
import requests
from PIL import Image

from conftest import AK, SK, TESTDATA, random_name


@pytest.fixture(params=["v1", "v4"])
def auth(request):
    if request.param == "v1":
        return oss2.Auth(AK, SK)
    return oss2.ProviderAuthV4(oss2.credentials.StaticCredentialsProvider(AK, SK))


@pytest.fixture
def bucket(server, auth):
    b = oss2.Bucket(auth, server.endpoint, random_name(), region="cn-hangzhou")
    b.create_bucket()
    yield b
    # The teardown oss2's own test harness does: uploads, objects, live channels, then the bucket.
    for u in oss2.MultipartUploadIterator(b):
        b.abort_multipart_upload(u.key, u.upload_id)
    for o in oss2.ObjectIterator(b):
        b.delete_object(o.key)
    for _ in oss2.LiveChannelIterator(b):
        pass
    b.delete_bucket()


def image_info(bucket, key):
    return json.loads(bucket.get_object(key, process="image/info").read())


def test_bucket_lifecycle(server, auth):
    name = random_name()
    b = oss2.Bucket(auth, server.endpoint, name, region="cn-hangzhou")
    b.create_bucket(oss2.BUCKET_ACL_PUBLIC_READ)
    svc = oss2.Service(auth, server.endpoint, region="cn-hangzhou")
    names = [x.name for x in oss2.BucketIterator(svc)]
    assert name in names
    listed = [x for x in svc.list_buckets(prefix=name).buckets if x.name == name][0]
    # oss2's harness builds a Bucket from ExtranetEndpoint: it must lead back here.
    assert listed.extranet_endpoint == server.endpoint.replace("http://", "")
    info = b.get_bucket_info()
    assert info.name == name and info.acl.grant == "public-read"
    assert b.get_bucket_acl().acl == "public-read"
    b.put_bucket_acl(oss2.BUCKET_ACL_PRIVATE)
    assert b.get_bucket_acl().acl == "private"
    b.put_object("k", b"x")
    with pytest.raises(oss2.exceptions.BucketNotEmpty):
        b.delete_bucket()
    b.delete_object("k")
    b.delete_bucket()
    with pytest.raises(oss2.exceptions.NoSuchBucket) as e:
        b.get_bucket_info()
    assert e.value.details.get("EC") == "0015-00000101"


def test_an_oversized_declared_upload_is_refused_before_its_body(bucket, server):
    """Content-Length of 5 GB + 1: answered at once, not after staging 5 GB. The socket sends only
    the head and 1 KB; a server that waited for the rest would leave the read to time out."""
    import socket
    host, port = server.endpoint.split("//")[1].split(":")
    date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())
    to_sign = f"PUT\n\n\n{date}\n/{bucket.bucket_name}/big"
    sig = base64.b64encode(hmac.new(SK.encode(), to_sign.encode(), hashlib.sha1).digest()).decode()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall((f"PUT /{bucket.bucket_name}/big HTTP/1.1\r\nHost: {host}:{port}\r\nDate: {date}\r\n"
                      f"Authorization: OSS {AK}:{sig}\r\nContent-Length: 5368709121\r\n\r\n").encode() + b"x" * 1024)
        answer = sock.recv(65536).decode(errors="replace")
    assert answer.startswith("HTTP/1.1 400"), answer
    assert "<Code>EntityTooLarge</Code>" in answer, answer
    with pytest.raises(oss2.exceptions.NoSuchKey):
        bucket.get_object("big")


def test_upload_part_copy(bucket):
    """UploadPartCopy: ranges (closed and open-ended) and the whole object, completed into an exact
    copy; bad ranges, failed conditions and missing sources store nothing."""
    data = os.urandom(250_000)
    bucket.put_object("src", data, headers={"x-oss-meta-who": "me"})
    upload_id = bucket.init_multipart_upload("dst").upload_id
    r1 = bucket.upload_part_copy(bucket.bucket_name, "src", (0, 149_999), "dst", upload_id, 1)
    r2 = bucket.upload_part_copy(bucket.bucket_name, "src", (150_000, None), "dst", upload_id, 2)
    assert r1.etag == hashlib.md5(data[:150_000]).hexdigest().upper()
    assert r2.etag == hashlib.md5(data[150_000:]).hexdigest().upper()
    parts = bucket.list_parts("dst", upload_id).parts
    assert [(p.part_number, p.size) for p in parts] == [(1, 150_000), (2, 100_000)]
    for code, status, rng, headers in [
        ("InvalidArgument", 400, (200_000, 250_000), None),   # last byte past the end
        ("InvalidArgument", 400, (250_000, None), None),      # first byte past the end
        ("PreconditionFailed", 412, None, {"x-oss-copy-source-if-match": '"0000"'}),
    ]:
        with pytest.raises(oss2.exceptions.OssError) as e:
            bucket.upload_part_copy(bucket.bucket_name, "src", rng, "dst", upload_id, 3,
                                    headers=headers)
        assert (e.value.code, e.value.status) == (code, status), e.value
    with pytest.raises(oss2.exceptions.NoSuchKey):
        bucket.upload_part_copy(bucket.bucket_name, "nothing", None, "dst", upload_id, 3)
    with pytest.raises(oss2.exceptions.NoSuchUpload):
        bucket.upload_part_copy(bucket.bucket_name, "src", None, "dst", "0" * 32, 3)
    assert len(bucket.list_parts("dst", upload_id).parts) == 2
    bucket.complete_multipart_upload(
        "dst", upload_id, [oss2.models.PartInfo(1, r1.etag), oss2.models.PartInfo(2, r2.etag)])
    assert bucket.get_object("dst").read() == data
    # The whole object as one part (no range header).
    up = bucket.init_multipart_upload("whole").upload_id
    r = bucket.upload_part_copy(bucket.bucket_name, "src", None, "whole", up, 1)
    bucket.complete_multipart_upload("whole", up, [oss2.models.PartInfo(1, r.etag)])
    assert bucket.get_object("whole").read() == data


def test_list_with_max_keys_0_ends(bucket):
    for k in ("a", "b"):
        bucket.put_object(k, b"x")
    for v2 in (False, True):
        r = (bucket.list_objects_v2 if v2 else bucket.list_objects)(max_keys=0)
        assert r.is_truncated is False and r.object_list == []
        r = (bucket.list_objects_v2 if v2 else bucket.list_objects)(max_keys=1)
        assert r.is_truncated is True and len(r.object_list) == 1


def test_non_ascii_metadata_comes_back_as_the_bytes_that_were_sent(bucket):
    """oss2 (and ali-oss) sign a value such as "José" as UTF-8 but send it as ISO-8859-1 bytes: read
    as lossy UTF-8 that was SignatureDoesNotMatch. Values come back as the bytes sent, which for
    requests (ISO-8859-1 again) is the same text; a client that sends UTF-8 gets UTF-8 back (it was
    dropped from the answer)."""
    disposition = 'attachment; filename="café.txt"'
    bucket.put_object("meta-latin1", b"x", headers={"x-oss-meta-name": "José", "x-oss-meta-plain": "a",
                                                    "Content-Disposition": disposition})
    head = bucket.head_object("meta-latin1")
    assert head.headers["x-oss-meta-name"] == "José" and head.headers["x-oss-meta-plain"] == "a"
    assert head.headers["Content-Disposition"] == disposition
    bucket.copy_object(bucket.bucket_name, "meta-latin1", "meta-latin1-copy")
    got = bucket.get_object("meta-latin1-copy")
    assert got.headers["x-oss-meta-name"] == "José" and got.headers["Content-Disposition"] == disposition
    # UTF-8 bytes on the wire (as Go's client sends them), signed as UTF-8 by a presigned URL.
    url = bucket.sign_url("PUT", "meta-utf8", 60, headers={"x-oss-meta-name": "José"})
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.netloc)
    conn.putrequest("PUT", u.path + "?" + u.query)
    conn.putheader("x-oss-meta-name", "José".encode("utf-8"))
    conn.putheader("Content-Length", "1")
    conn.endheaders(b"y")
    r = conn.getresponse()
    assert r.status == 200, r.read()
    conn.close()
    # requests reads header bytes as ISO-8859-1: the two UTF-8 bytes of "é" are two characters.
    assert bucket.head_object("meta-utf8").headers["x-oss-meta-name"] == "José".encode("utf-8").decode("latin-1")


def test_put_get_head_range_and_metadata(bucket):
    r = bucket.put_object("dir/a b+c%.txt", b"hello world", headers={
        "Content-Type": "text/plain", "x-oss-meta-author": "alice", "Cache-Control": "no-cache"})
    assert r.etag == hashlib.md5(b"hello world").hexdigest().upper()
    crc = oss2.utils.Crc64(0)
    crc.update(b"hello world")
    assert r.crc == crc.crc
    got = bucket.get_object("dir/a b+c%.txt")
    assert got.read() == b"hello world"
    assert got.headers["Content-Type"] == "text/plain"
    assert got.headers["x-oss-meta-author"] == "alice"
    assert got.headers["Cache-Control"] == "no-cache"
    head = bucket.head_object("dir/a b+c%.txt")
    assert head.content_length == 11 and head.etag == r.etag
    assert bucket.get_object("dir/a b+c%.txt", byte_range=(6, 10)).read() == b"world"
    assert bucket.get_object("dir/a b+c%.txt", byte_range=(None, 5)).read() == b"world"
    meta = bucket.get_object_meta("dir/a b+c%.txt")
    assert meta.content_length == 11
    # Default Content-Type.
    bucket.put_object("noext", b"1", headers={"Content-Type": ""})
    assert bucket.head_object("noext").content_type == "application/octet-stream"
    # Conditionals.
    with pytest.raises(oss2.exceptions.NotModified) as e:
        bucket.get_object("noext", headers={"If-None-Match": bucket.head_object("noext").etag})
    assert e.value.headers["etag"] == '"%s"' % bucket.head_object("noext").etag  # RFC 7232
    with pytest.raises(oss2.exceptions.PreconditionFailed):
        bucket.get_object("noext", headers={"If-Match": '"0000"'})
    # Forbid overwrite keeps the old bytes.
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.put_object("noext", b"2", headers={"x-oss-forbid-overwrite": "true"})
    assert e.value.status == 409 and e.value.code == "FileAlreadyExists"
    assert bucket.get_object("noext").read() == b"1"


def test_get_object_to_file_checks_crc(bucket, tmp_path):
    data = os.urandom(300_000)
    bucket.put_object("blob.bin", data)
    target = tmp_path / "out.bin"
    bucket.get_object_to_file("blob.bin", str(target))
    assert target.read_bytes() == data


def test_errors_as_the_sdk_parses_them(bucket, server):
    with pytest.raises(oss2.exceptions.NoSuchKey) as e:
        bucket.get_object("missing")
    assert e.value.details["EC"] == "0026-00000001" and e.value.status == 404
    with pytest.raises(oss2.exceptions.NotFound) as e:
        bucket.head_object("missing")
    assert e.value.ec == "0026-00000001"
    with pytest.raises(oss2.exceptions.InvalidDigest):
        bucket.put_object("d", b"abc", headers={"Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg=="})
    with pytest.raises(oss2.exceptions.NoSuchKey):
        bucket.get_object("d")
    bad = oss2.Bucket(oss2.Auth(AK, "wrong-secret"), server.endpoint, bucket.bucket_name)
    with pytest.raises(oss2.exceptions.SignatureDoesNotMatch) as e:
        bad.get_object("missing")
    assert "StringToSign" in e.value.details
    unknown = oss2.Bucket(oss2.Auth("LTAInobody", SK), server.endpoint, bucket.bucket_name)
    with pytest.raises(oss2.exceptions.ServerError) as e:
        unknown.get_object("missing")
    assert e.value.code == "InvalidAccessKeyId"
    with pytest.raises(oss2.exceptions.InvalidObjectName):
        bucket.put_object("\\invalid-object-name", b"x")


def test_v4_wrong_region(server, bucket):
    auth = oss2.ProviderAuthV4(oss2.credentials.StaticCredentialsProvider(AK, SK))
    b = oss2.Bucket(auth, server.endpoint, bucket.bucket_name, region="cn-hangzhou-test-1")
    with pytest.raises(oss2.exceptions.ServerError) as e:
        b.get_object("x")
    assert e.value.status == 400 and e.value.code == "InvalidArgument"
    assert e.value.ec == "0002-00000226"


def test_list_v1_v2_copy_and_batch_delete(bucket):
    keys = ["a.jpg", "fun/movie/1.mp4", "fun/movie/2.mp4", "fun/test.jpg", "z\u0001\u0007ctl"]
    for k in keys:
        bucket.put_object(k, k.encode())
    assert sorted(o.key for o in oss2.ObjectIterator(bucket)) == sorted(keys)
    r = bucket.list_objects(prefix="fun/", delimiter="/")
    assert [o.key for o in r.object_list] == ["fun/test.jpg"] and r.prefix_list == ["fun/movie/"]
    paged = [o.key for o in oss2.ObjectIterator(bucket, max_keys=2)]
    assert paged == sorted(keys)
    v2 = [o.key for o in oss2.ObjectIteratorV2(bucket, max_keys=2)]
    assert v2 == sorted(keys)
    r2 = bucket.list_objects_v2(prefix="fun/", delimiter="/", fetch_owner=True)
    assert r2.object_list[0].owner is not None and r2.prefix_list == ["fun/movie/"]
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.list_objects_v2(continuation_token="err-token!")
    assert e.value.status == 400
    bucket.copy_object(bucket.bucket_name, "a.jpg", "copy.jpg")
    assert bucket.get_object("copy.jpg").read() == b"a.jpg"
    bucket.copy_object(bucket.bucket_name, "a.jpg", "copy2.jpg", headers={
        "x-oss-metadata-directive": "REPLACE", "Content-Type": "image/jpeg"})
    assert bucket.head_object("copy2.jpg").content_type == "image/jpeg"
    result = bucket.batch_delete_objects(["a.jpg", "copy.jpg", "never-existed"])
    assert sorted(result.deleted_keys) == ["a.jpg", "copy.jpg", "never-existed"]
    bucket.delete_object("never-existed")  # 204 whether or not it exists


def test_bad_batch_delete_copy_directive_and_paging_counts_are_refused(bucket):
    """Malformed DeleteMultipleObjects bodies, a missing Content-MD5, an unknown metadata directive
    and out-of-range paging counts: OSS-form errors, and nothing deleted or changed."""
    bucket.put_object("keep", b"x", headers={"x-oss-meta-a": "1"})

    def batch(body, md5=True):
        headers = {"Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()} if md5 else {}
        return bucket._Bucket__do_bucket("POST", data=body, params={"delete": ""}, headers=headers)

    one = b"<Object><Key>keep</Key></Object>"
    for body, md5, code in [
        (b"<Delete><Quiet>maybe</Quiet>" + one + b"</Delete>", True, "MalformedXML"),
        (b"<Delete><Quiet>true</Quiet></Delete>", True, "MalformedXML"),
        (b"<Delete>" + one + b"<Object></Object></Delete>", True, "MalformedXML"),
        (b"<Delete>" + one + b"</Delete>", False, "MissingArgument"),
    ]:
        with pytest.raises(oss2.exceptions.OssError) as e:
            batch(body, md5)
        assert (e.value.status, e.value.code) == (400, code), (body, e.value)
    assert bucket.object_exists("keep")
    assert batch(b"<Delete><Quiet>FALSE</Quiet>" + one + b"</Delete>").status == 200
    assert not bucket.object_exists("keep")

    bucket.put_object("src", b"x", headers={"x-oss-meta-a": "1"})
    with pytest.raises(oss2.exceptions.InvalidArgument) as e:
        bucket.copy_object(bucket.bucket_name, "src", "dst",
                           headers={"x-oss-metadata-directive": "REPLAC", "x-oss-meta-a": "2"})
    assert "x-oss-metadata-directive" in e.value.message and "REPLAC" in e.value.message
    assert not bucket.object_exists("dst")

    up = bucket.init_multipart_upload("m").upload_id
    for call in [lambda: bucket.list_parts("m", up, max_parts=0),
                 lambda: bucket.list_parts("m", up, max_parts=1001),
                 lambda: bucket.list_multipart_uploads(max_uploads=0),
                 lambda: bucket.list_objects(max_keys=1001)]:
        with pytest.raises(oss2.exceptions.InvalidArgument) as e:
            call()
        assert "must be between" in e.value.message
    assert bucket.list_parts("m", up, max_parts=1000).parts == []


def test_acls_and_anonymous_access(bucket, server):
    bucket.put_object("pub.txt", b"pub")
    anon = oss2.Bucket(oss2.AnonymousAuth(), server.endpoint, bucket.bucket_name)
    with pytest.raises(oss2.exceptions.AccessDenied):
        anon.get_object("pub.txt")
    assert bucket.get_object_acl("pub.txt").acl == "default"
    bucket.put_object_acl("pub.txt", oss2.OBJECT_ACL_PUBLIC_READ)
    assert anon.get_object("pub.txt").read() == b"pub"
    with pytest.raises(oss2.exceptions.AccessDenied):
        anon.put_object("anon.txt", b"x")
    bucket.put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ_WRITE)
    anon.put_object("anon.txt", b"x")
    assert anon.get_object("anon.txt").read() == b"x"
    bucket.put_bucket_acl(oss2.BUCKET_ACL_PRIVATE)
    with pytest.raises(oss2.exceptions.AccessDenied):
        anon.get_object("anon.txt")
    with pytest.raises(oss2.exceptions.AccessDenied):
        anon.put_object("anon2.txt", b"x")


def test_presigned_urls(bucket, example_jpg):
    bucket.put_object("p.jpg", example_jpg)
    # A stored page cannot script the console's origin: objects are served sandboxed.
    bucket.put_object("evil.html", b"<script>fetch('/')</script>", headers={"Content-Type": "text/html"})
    served = bucket.get_object("evil.html").resp.headers
    assert served["content-security-policy"] == "sandbox" and served["x-content-type-options"] == "nosniff"
    url = bucket.sign_url("GET", "p.jpg", 60)
    r = requests.get(url)
    assert r.status_code == 200 and r.content == example_jpg
    url = bucket.sign_url("GET", "p.jpg", 60, params={"x-oss-process": "image/resize,w_100"})
    r = requests.get(url)
    assert r.status_code == 200
    assert Image.open(io.BytesIO(r.content)).size == (100, 67)
    # Tampering with a signed sub-resource breaks the signature.
    r = requests.get(url.replace("w_100", "w_101"))
    assert r.status_code == 403 and b"SignatureDoesNotMatch" in r.content
    url = bucket.sign_url("GET", "p.jpg", 1)
    time.sleep(2.1)
    r = requests.get(url)
    assert r.status_code == 403 and b"Request has expired." in r.content
    put_url = bucket.sign_url("PUT", "up.txt", 60)
    assert requests.put(put_url, data=b"via url").status_code == 200
    assert bucket.get_object("up.txt").read() == b"via url"
    assert bucket.head_object("up.txt").content_type == "application/octet-stream"


# The oss2 test_image.py table: dimensions and format are the portable assertions.
IMAGE_CASES = [
    ("image/resize,m_fixed,w_100,h_100", 100, 100, "jpg"),
    ("image/crop,w_100,h_100,x_100,y_100,r_1", 100, 100, "jpg"),
    ("image/rotate,90", 400, 267, "jpg"),
    ("image/sharpen,100", 267, 400, "jpg"),
    ("image/format,png", 267, 400, "png"),
    ("image/watermark,text_SGVsbG8g5Zu-54mH5pyN5YqhIQ", 267, 400, "jpg"),
]


@pytest.mark.parametrize("process,height,width,fmt", IMAGE_CASES)
def test_image_processing_like_oss2_test_image(bucket, example_jpg, process, height, width, fmt):
    bucket.put_object("tests/example.jpg", example_jpg)
    processed = bucket.get_object("tests/example.jpg", process=process).read()
    bucket.put_object("tests/processed", processed)
    info = image_info(bucket, "tests/processed")
    assert int(info["ImageHeight"]["value"]) == height
    assert int(info["ImageWidth"]["value"]) == width
    assert int(info["FileSize"]["value"]) == len(processed)
    assert info["Format"]["value"] == fmt


def test_processed_get_to_file_with_crc_check(bucket, example_jpg, tmp_path):
    bucket.put_object("tests/example.jpg", example_jpg)
    target = tmp_path / "r.jpg"
    bucket.get_object_to_file("tests/example.jpg", str(target), process="image/resize,m_fixed,w_100,h_100")
    assert Image.open(target).size == (100, 100)
    head = bucket.head_object("tests/example.jpg")
    got = bucket.get_object("tests/example.jpg", process="image/resize,w_50")
    assert got.headers["ETag"] == '"' + head.etag + '"' and got.headers["Content-Type"] == "image/jpeg"


def test_watermarks_text_and_image_from_the_same_bucket(bucket, example_jpg):
    """The issue's SDK case visibly marks the bottom-right corner; an image watermark is another
    object of the bucket, optionally preprocessed; a missing one is a clean WatermarkError."""
    bucket.put_object("wm/example.jpg", example_jpg)
    plain = Image.open(io.BytesIO(bucket.get_object("wm/example.jpg").read())).convert("L")
    marked_bytes = bucket.get_object("wm/example.jpg", process="image/watermark,text_SGVsbG8g5Zu-54mH5pyN5YqhIQ").read()
    marked = Image.open(io.BytesIO(marked_bytes))
    assert marked.size == (400, 267) and marked.format == "JPEG"
    marked = marked.convert("L")

    def mean_diff(box):
        a, b = plain.crop(box).getdata(), marked.crop(box).getdata()
        return sum(abs(x - y) for x, y in zip(a, b)) / len(a)

    assert mean_diff((200, 215, 390, 257)) > 20, "text in the bottom-right corner"
    assert mean_diff((0, 0, 200, 150)) < 4, "nothing elsewhere"

    with open(os.path.join(TESTDATA, "watermark", "gen_logo_rgba_240x80.png"), "rb") as f:
        bucket.put_object("logos/logo.png", f.read())
    key = base64.urlsafe_b64encode(b"logos/logo.png?x-oss-process=image/resize,P_50").decode().rstrip("=")
    out = Image.open(io.BytesIO(bucket.get_object("wm/example.jpg", process=f"image/watermark,image_{key},g_nw,x_0,y_0").read()))
    assert out.size == (400, 267)
    marked = out.convert("L")
    # P_50: the 240x80 logo fits a 200x134 box, so it covers (0,0)-(200,67) and nothing else.
    assert mean_diff((0, 0, 200, 67)) > 20
    assert mean_diff((0, 80, 400, 267)) < 4
    # Text and image together, through a style.
    text = base64.urlsafe_b64encode("水印".encode()).decode()
    bucket.put_bucket_style("marked", f"image/resize,w_300/watermark,image_{key},text_{text},order_1,interval_5")
    styled = Image.open(io.BytesIO(bucket.get_object("wm/example.jpg", process="style/marked").read()))
    assert styled.size == (300, 200)

    missing = base64.urlsafe_b64encode(b"logos/none.png").decode()
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.get_object("wm/example.jpg", process=f"image/watermark,image_{missing}")
    assert (e.value.status, e.value.code, e.value.ec) == (400, "WatermarkError", "0040-00000025")
    assert "logos/none.png" in e.value.message
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.get_object("wm/example.jpg", process="image/watermark,text_YQ,size_0")
    assert e.value.code == "InvalidArgument" and "size" in e.value.message


def test_bad_process_string(bucket, example_jpg):
    bucket.put_object("e.jpg", example_jpg)
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.get_object("e.jpg", process="image/resize,w_abc")
    assert e.value.status == 400 and e.value.code == "InvalidArgument"
    assert "w" in e.value.message and "abc" in e.value.message
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.get_object("e.jpg", process="image/resize,w_10|sys/saveas,o_YQ")
    assert e.value.status == 400
    # A control character echoed in the Message: the error stays XML that ElementTree (oss2's
    # parser) reads, so the SDK gets the whole Message, not just the Code from its fallback.
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.get_object("e.jpg", process="image/resize,w_\x01")
    assert e.value.code == "InvalidArgument"
    assert "The value: \\x01 of parameter: w is invalid" in e.value.message, e.value.message


def test_styles_crud_and_style_urls(bucket, server, example_jpg):
    bucket.put_bucket_style("imagestyle", "image/resize,w_200")
    bucket.put_bucket_style("imagestyle1", "image/resize,w_300")
    got = bucket.get_bucket_style("imagestyle")
    assert got.name == "imagestyle" and got.content == "image/resize,w_200"
    assert [s.name for s in bucket.list_bucket_style().styles] == ["imagestyle", "imagestyle1"]
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.put_bucket_style("imagestyle2", "")
    assert e.value.message == "Style content is invalid."
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.put_bucket_style("@%$^&%(&(*(*", "image/resize,w_1")
    assert e.value.code == "InvalidArgument"
    bucket.put_bucket_style("odd", "csdar5324")
    assert bucket.get_bucket_style("odd").content == "csdar5324"
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.get_bucket_style("no-exist-style")
    assert e.value.status == 404 and e.value.code == "NoSuchStyle"

    bucket.put_object("s/photo.jpg", example_jpg)
    assert Image.open(bucket.get_object("s/photo.jpg", process="style/imagestyle")).size == (200, 134)
    bucket.put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ)
    base = server.endpoint + "/" + bucket.bucket_name + "/s/photo.jpg"
    for url in [base + "!imagestyle", base + "@!imagestyle", base + "?!imagestyle",
                base + "?x-oss-process=style/imagestyle1"]:
        r = requests.get(url)
        assert r.status_code == 200, (url, r.content)
        assert Image.open(io.BytesIO(r.content)).size[0] in (200, 300)
    assert requests.get(base + "!nostyle").status_code == 404
    assert requests.get(base + "-imagestyle").status_code == 404, "'-' is off until enabled"

    r = bucket.delete_bucket_style("imagestyle")
    assert r.status == 204
    assert bucket.delete_bucket_style("no-exist-style").status == 204
    bucket.delete_bucket_style("imagestyle1")
    bucket.delete_bucket_style("odd")
    assert bucket.list_bucket_style().styles == []


def test_source_image_protection(bucket, server, example_jpg):
    bucket.put_bucket_style("small", "image/resize,w_50")
    bucket.put_object("p/photo.JPG", example_jpg)
    bucket.put_object("p/other.png", example_jpg)
    bucket.put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ)
    settings = (b"<ImageSettings><SourceImageProtection>true</SourceImageProtection>"
                b"<ProtectedSuffixes><Suffix>.jpg</Suffix></ProtectedSuffixes>"
                b"<SuffixCaseInsensitive>true</SuffixCaseInsensitive>"
                b"<StyleSeparators><Separator>-</Separator></StyleSeparators></ImageSettings>")
    resp = bucket._Bucket__do_bucket("PUT", data=settings, params={"imageSettings": ""})
    assert resp.status == 200
    base = server.endpoint + "/" + bucket.bucket_name + "/p/"
    r = requests.get(base + "photo.JPG")
    assert r.status_code == 403 and b"AccessDenied" in r.content
    assert requests.get(base + "photo.JPG?x-oss-process=image/resize,w_10").status_code == 403
    assert requests.get(base + "photo.JPG?x-oss-process=style/small").status_code == 200
    assert requests.get(base + "photo.JPG-small").status_code == 200
    assert requests.get(base + "photo.JPG!small").status_code == 200
    assert requests.get(base + "other.png").status_code == 200, ".png is not protected"
    # Signed requests bypass protection.
    assert bucket.get_object("p/photo.JPG").read() == example_jpg
    assert bucket.sign_url("GET", "p/photo.JPG", 60) and requests.get(bucket.sign_url("GET", "p/photo.JPG", 60)).status_code == 200


def test_process_object_saveas(bucket, example_jpg):
    bucket.put_object("src.jpg", example_jpg)
    dest = "saved/dest.jpg"
    enc = lambda s: base64.urlsafe_b64encode(s.encode()).decode().rstrip("=")
    r = bucket.process_object("src.jpg", "image/resize,w_100|sys/saveas,o_%s,b_%s" % (enc(dest), enc(bucket.bucket_name)))
    assert r.status == 200 and r.bucket == bucket.bucket_name and r.object == dest
    assert r.fileSize == bucket.head_object(dest).content_length
    assert Image.open(bucket.get_object(dest)).size == (100, 67)
    r = bucket.process_object("src.jpg", "image/resize,w_100|sys/saveas,o_%s" % enc("d2.jpg"))
    assert r.bucket == "" and r.object == "d2.jpg"
    with pytest.raises(oss2.exceptions.ServerError):
        bucket.process_object("src.jpg", "image/resize,w_100|saveas,o_%s" % enc("d3.jpg"))
    with pytest.raises(oss2.exceptions.NoSuchBucket):
        bucket.process_object("src.jpg", "image/resize,w_100|sys/saveas,o_%s,b_%s" % (enc("x"), enc("no-such-bucket-here")))


HEIF_FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "imaging", "tests",
                             "data", "heif")


def test_multipart_upload_paging_keeps_every_upload_of_a_key(bucket):
    """Uploads of one key listed a page at a time: the upload-id marker is a position (uploads in
    initiation order), so none is skipped, whatever their random IDs."""
    ids = []
    for i in range(3):
        ids.append(bucket.init_multipart_upload("k").upload_id)
        if i < 2:
            time.sleep(1.1)  # initiated in different seconds: ordered by time, not by ID
    paged = [u.upload_id for u in oss2.MultipartUploadIterator(bucket, max_uploads=1)]
    assert paged == ids
    assert [u.upload_id for u in oss2.MultipartUploadIterator(bucket)] == ids


def test_copy_source_form_and_conditions(bucket):
    bucket.put_object("src", b"abc")
    etag = bucket.head_object("src").etag
    # The leading slash is required.
    with pytest.raises(oss2.exceptions.InvalidArgument):
        bucket._Bucket__do_object("PUT", "dst", headers={"x-oss-copy-source": bucket.bucket_name + "/src"})
    # If-Match true decides; the If-Unmodified-Since beside it is not evaluated (RFC 7232).
    bucket.copy_object(bucket.bucket_name, "src", "dst", headers={
        "x-oss-copy-source-if-match": '"%s"' % etag,
        "x-oss-copy-source-if-unmodified-since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert bucket.get_object("dst").read() == b"abc"
    with pytest.raises(oss2.exceptions.PreconditionFailed):
        bucket.copy_object(bucket.bucket_name, "src", "dst2", headers={
            "x-oss-copy-source-if-unmodified-since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    # A damaged escape or a version in the source names no other key: refused, nothing written.
    raw = lambda src: bucket._Bucket__do_object("PUT", "dst3", headers={"x-oss-copy-source": src})
    with pytest.raises(oss2.exceptions.InvalidArgument):
        raw("/%s/sr%%zz" % bucket.bucket_name)
    with pytest.raises(oss2.exceptions.ServerError) as e:
        raw("/%s/src?versionId=CAEQ" % bucket.bucket_name)
    assert e.value.status == 501 and e.value.code == "NotImplemented"
    assert not bucket.object_exists("dst3")
    # A key holding a '?' travels encoded and copies.
    bucket.put_object("a?b", b"q")
    bucket.copy_object(bucket.bucket_name, "a?b", "dst4")
    assert bucket.get_object("dst4").read() == b"q"


def test_heic_and_avif_sources(bucket):
    """An iPhone-style HEIC and an AVIF uploaded as they are: processed (a HEIC answers as JPEG, it
    has no encoder here), described by info, and a style's format applies."""
    for name in ("example.heic", "example.avif"):
        with open(os.path.join(HEIF_FIXTURES, name), "rb") as f:
            bucket.put_object(name, f.read())
    r = bucket.get_object("example.heic", process="image/resize,w_200")
    assert r.headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(r.read())).size == (200, 134)
    info = json.loads(bucket.get_object("example.heic", process="image/info").read())
    assert info["Format"]["value"] == "heic" and info["ImageWidth"]["value"] == "400"
    r = bucket.get_object("example.avif", process="image/resize,w_100/format,png")
    assert r.headers["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(r.read())).size == (100, 67)
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.get_object("example.heic", process="image/format,heic")
    assert e.value.code == "InvalidArgument"


def test_resumable_upload_25mb(bucket, tmp_path):
    data = os.urandom(25 * 1024 * 1024)
    src = tmp_path / "big.bin"
    src.write_bytes(data)
    oss2.resumable_upload(bucket, "big.bin", str(src), multipart_threshold=1024 * 1024,
                          part_size=5 * 1024 * 1024, num_threads=2,
                          store=oss2.ResumableStore(root=str(tmp_path)))
    head = bucket.head_object("big.bin")
    assert head.content_length == len(data) and head.object_type == "Multipart"
    out = tmp_path / "back.bin"
    bucket.get_object_to_file("big.bin", str(out))
    assert out.read_bytes() == data
    # An upload left unfinished shows in the listing and can be aborted.
    up = bucket.init_multipart_upload("left.bin")
    bucket.upload_part("left.bin", up.upload_id, 1, b"part")
    assert [p.part_number for p in bucket.list_parts("left.bin", up.upload_id).parts] == [1]
    assert [u.upload_id for u in oss2.MultipartUploadIterator(bucket)] == [up.upload_id]


def test_storage_classes_and_restore(bucket, auth, server, example_jpg):
    """The class is kept and reported; a cold object is readable only once restored (a restore
    takes the server's restore_seconds, 1 by default, so the OSS poll on x-oss-restore works)."""
    bucket.put_object("std", b"s")
    bucket.put_object("ia", b"i", headers={"x-oss-storage-class": "IA"})
    bucket.put_object("cold.jpg", example_jpg, headers={"x-oss-storage-class": "Archive"})
    assert bucket.head_object("ia").resp.headers["x-oss-storage-class"] == "IA"
    head = bucket.head_object("cold.jpg").resp.headers
    assert head["x-oss-storage-class"] == "Archive" and "x-oss-restore" not in head
    classes = {o.key: o.storage_class for o in oss2.ObjectIterator(bucket)}
    assert classes == {"std": "Standard", "ia": "IA", "cold.jpg": "Archive"}
    for bad in ("Glacier", ""):
        with pytest.raises(oss2.exceptions.InvalidArgument):
            bucket.put_object("bad", b"x", headers={"x-oss-storage-class": bad})
    assert not bucket.object_exists("bad")
    # Not restored: no read, no processing, no copy; HEAD stays allowed.
    for read in (lambda: bucket.get_object("cold.jpg"),
                 lambda: bucket.get_object("cold.jpg", process="image/resize,w_10"),
                 lambda: bucket.copy_object(bucket.bucket_name, "cold.jpg", "copy")):
        with pytest.raises(oss2.exceptions.ServerError) as e:
            read()
        assert (e.value.status, e.value.code) == (403, "InvalidObjectState")
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.restore_object("std")
    assert (e.value.status, e.value.code) == (400, "OperationNotSupported")
    assert bucket.restore_object("cold.jpg").status == 202
    assert bucket.head_object("cold.jpg").resp.headers["x-oss-restore"] == 'ongoing-request="true"'
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.restore_object("cold.jpg")
    assert (e.value.status, e.value.code) == (409, "RestoreAlreadyInProgress")
    deadline = time.time() + 10
    while 'ongoing-request="true"' == bucket.head_object("cold.jpg").resp.headers["x-oss-restore"]:
        assert time.time() < deadline
        time.sleep(0.2)
    restored = bucket.head_object("cold.jpg").resp.headers["x-oss-restore"]
    assert restored.startswith('ongoing-request="false", expiry-date="')
    assert bucket.get_object("cold.jpg").read() == example_jpg
    assert bucket.get_object("cold.jpg", process="image/info").read().startswith(b"{")
    # Copied to a Standard object (OSS's way to change a class); a restore now extends: 200.
    bucket.copy_object(bucket.bucket_name, "cold.jpg", "warm.jpg", headers={"x-oss-storage-class": "Standard"})
    assert bucket.head_object("warm.jpg").resp.headers["x-oss-storage-class"] == "Standard"
    assert bucket.restore_object("cold.jpg").status == 200
    with pytest.raises(oss2.exceptions.InvalidArgument):
        bucket.restore_object("cold.jpg", input=oss2.models.RestoreConfiguration(days=8))
    # A bucket's class is its objects' default, multipart included.
    archive = oss2.Bucket(auth, server.endpoint, random_name(), region="cn-hangzhou")
    archive.create_bucket(input=oss2.models.BucketCreateConfig(oss2.BUCKET_STORAGE_CLASS_ARCHIVE))
    try:
        archive.put_object("a", b"a")
        up = archive.init_multipart_upload("m").upload_id
        part = archive.upload_part("m", up, 1, b"p")
        archive.complete_multipart_upload("m", up, [oss2.models.PartInfo(1, part.etag)])
        for key in ("a", "m"):
            assert archive.head_object(key).resp.headers["x-oss-storage-class"] == "Archive"
        assert archive.restore_object("a").status == 202
    finally:
        for o in oss2.ObjectIterator(archive):
            archive.delete_object(o.key)
        archive.delete_bucket()


def test_object_tagging(bucket):
    from oss2.models import Tagging, TaggingRule
    bucket.put_object("k", b"abc")
    etag = bucket.head_object("k").etag
    assert bucket.get_object_tagging("k").tag_set.tagging_rule == {}
    assert "x-oss-tagging-count" not in bucket.head_object("k").resp.headers
    rule = TaggingRule()
    rule.add("project", "cyanotype")
    rule.add("empty", "")
    rule.add("+-.:", "_/ x")
    assert bucket.put_object_tagging("k", Tagging(rule)).status == 200
    assert bucket.get_object_tagging("k").tag_set.tagging_rule == {
        "project": "cyanotype", "empty": "", "+-.:": "_/ x"}
    head = bucket.head_object("k")
    assert head.resp.headers["x-oss-tagging-count"] == "3" and head.etag == etag
    assert bucket.get_object("k").resp.headers["x-oss-tagging-count"] == "3"
    # Refused whole, the tags before stay: too many, too long, a character outside OSS's set.
    for bad in ({"k%d" % i: "v" for i in range(11)}, {"k" * 129: "v"}, {"k": "v" * 257}, {"a&b": "v"}):
        r = TaggingRule()
        r.tagging_rule.update(bad)
        with pytest.raises(oss2.exceptions.ServerError) as e:
            bucket.put_object_tagging("k", Tagging(r))
        assert e.value.status == 400
    assert len(bucket.get_object_tagging("k").tag_set.tagging_rule) == 3
    # x-oss-tagging on a PUT; a copy takes the source's tags unless told to REPLACE them.
    header = TaggingRule()
    header.add(" +/ ", "\u4e2d\u6587")
    header.add("\u4e2d\u6587", "test++/")
    bucket.put_object("h", b"h", headers={"x-oss-tagging": header.to_query_string()})
    assert bucket.get_object_tagging("h").tag_set.tagging_rule == {
        " +/ ": "\u4e2d\u6587", "\u4e2d\u6587": "test++/"}
    bucket.copy_object(bucket.bucket_name, "k", "c1")
    assert len(bucket.get_object_tagging("c1").tag_set.tagging_rule) == 3
    bucket.copy_object(bucket.bucket_name, "k", "c2", headers={
        "x-oss-tagging-directive": "REPLACE", "x-oss-tagging": "a=1"})
    assert bucket.get_object_tagging("c2").tag_set.tagging_rule == {"a": "1"}
    with pytest.raises(oss2.exceptions.InvalidArgument):
        bucket.put_object("bad", b"x", headers={"x-oss-tagging": "aa=bb=cc"})
    assert not bucket.object_exists("bad")
    up = bucket.init_multipart_upload("mp", headers={"x-oss-tagging": "m=1"}).upload_id
    part = bucket.upload_part("mp", up, 1, b"p")
    bucket.complete_multipart_upload("mp", up, [oss2.models.PartInfo(1, part.etag)])
    assert bucket.get_object_tagging("mp").tag_set.tagging_rule == {"m": "1"}
    assert bucket.delete_object_tagging("k").status == 204
    assert bucket.get_object_tagging("k").tag_set.tagging_rule == {}
    with pytest.raises(oss2.exceptions.NoSuchKey):
        bucket.get_object_tagging("missing")


def test_a_sub_resource_never_falls_through_to_a_plain_write(bucket):
    """DELETE /k?acl deleted the object and PUT /k?restore overwrote it (found by a probe): a
    sub-resource with a method none of its operations takes is MethodNotAllowed, nothing changes."""
    bucket.put_object("k", b"keep")
    for method, params, data in (("DELETE", {"acl": ""}, None), ("PUT", {"restore": ""}, b"lost"),
                                 ("PUT", {"uploads": ""}, b"lost"), ("PUT", {"partNumber": "1"}, b"lost"),
                                 ("DELETE", {"uploads": ""}, None)):
        with pytest.raises(oss2.exceptions.ServerError) as e:
            bucket._Bucket__do_object(method, "k", params=params, data=data)
        assert (e.value.status, e.value.code) == (405, "MethodNotAllowed"), (method, params)
        # With the methods that the resource does take (RFC 9110).
        allow = {"acl": "GET, HEAD, PUT", "restore": "GET, HEAD, POST", "uploads": "GET, HEAD, POST"}
        if next(iter(params)) in allow:
            assert e.value.headers["allow"] == allow[next(iter(params))], (method, params)
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket._Bucket__do_bucket("DELETE", params={"acl": ""})
    assert e.value.status == 405
    assert bucket.get_object("k").read() == b"keep"
    # A body nested 100,000 deep (it once took the server's memory whole) is MalformedXML.
    deep = b"<Tagging>" + b"<a>" * 100000 + b"</a>" * 100000 + b"</Tagging>"
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket._Bucket__do_object("PUT", "k", params={"tagging": ""}, data=deep)
    assert (e.value.status, e.value.code) == (400, "MalformedXML")


def test_symlinks(bucket, example_jpg):
    """oss2's own test_put_symlink assertions, plus what OSS's docs say of reads through a link."""
    bucket.put_object("dir/target.jpg", example_jpg, headers={"Content-Type": "image/jpeg"})
    target_etag = bucket.head_object("dir/target.jpg").etag
    r = bucket.put_symlink("dir/target.jpg", "link.jpg", headers={"x-oss-meta-key1": "value1"})
    assert r.status == 200
    assert bucket.get_symlink("link.jpg").target_key == "dir/target.jpg"
    head = bucket.head_object("link.jpg")
    assert head.content_length == len(example_jpg) and head.etag == target_etag
    assert head.headers["x-oss-meta-key1"] == "value1" and head.object_type == "Symlink"
    assert bucket.get_object("link.jpg").read() == example_jpg
    r = bucket.get_object("link.jpg", process="image/resize,w_100")
    assert Image.open(io.BytesIO(r.read())).size[0] == 100
    # A copy of a link is a link.
    bucket.copy_object(bucket.bucket_name, "link.jpg", "link2.jpg")
    assert bucket.get_symlink("link2.jpg").target_key == "dir/target.jpg"
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.get_symlink("dir/target.jpg")
    assert (e.value.status, e.value.code) == (400, "NotSymlink")
    with pytest.raises(oss2.exceptions.NoSuchKey):
        bucket.get_symlink("missing")
    # A link to a missing key, and a link to a link, are made but cannot be read.
    bucket.put_symlink("nowhere", "dangling")
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.get_object("dangling")
    assert (e.value.status, e.value.code) == (404, "SymlinkTargetNotExist")
    bucket.put_symlink("link.jpg", "chain")
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.get_object("chain")
    assert (e.value.status, e.value.code) == (400, "InvalidTargetType")
    types = {o.key: o.type for o in oss2.ObjectIterator(bucket)}
    assert types["link.jpg"] == "Symlink" and types["dir/target.jpg"] == "Normal"
    # Replacing the target changes what the link serves; deleting the link keeps the target.
    bucket.put_object("dir/target.jpg", b"new bytes")
    assert bucket.get_object("link.jpg").read() == b"new bytes"
    bucket.delete_object("link.jpg")
    assert bucket.get_object("dir/target.jpg").read() == b"new bytes"
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket._Bucket__do_object("PUT", "x", params={"symlink": ""})
    assert (e.value.status, e.value.code) == (400, "MissingArgument")


def test_web_console_session(server, bucket, example_jpg):
    """The console page logs in once and then drives the REST API with its session cookie and the
    x-cyanotype-console header (what the page's fetch calls send); its changes are what oss2 sees."""
    base = server.endpoint
    page = requests.get(base + "/_console")
    assert page.status_code == 200 and "Cyanotype console" in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    s = requests.Session()
    console = {"x-cyanotype-console": "1"}
    login = {"AccessKeyId": AK, "AccessKeySecret": SK}
    bad = s.post(base + "/_console/login", headers=console, data={**login, "AccessKeySecret": SK + "x"})
    assert bad.status_code == 403 and "<Code>AccessDenied</Code>" in bad.text
    # Without the console header (a form on another site) the right pair logs nobody in.
    forged = s.post(base + "/_console/login", data=login)
    assert forged.status_code == 403 and "set-cookie" not in forged.headers
    ok = s.post(base + "/_console/login", headers=console, data=login)
    assert ok.status_code == 204
    cookie = ok.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    # The cookie alone is anonymous (what another site's form or image could send).
    assert s.get(base + "/").status_code == 403
    listed = s.get(base + "/", headers=console)
    assert listed.status_code == 200 and "<Name>%s</Name>" % bucket.bucket_name in listed.text
    b = "/" + bucket.bucket_name
    r = s.put(base + b + "?style&styleName=thumb", headers=console,
              data="<Style><Content>image/resize,w_60</Content></Style>")
    assert r.status_code == 200
    assert bucket.get_bucket_style("thumb").content == "image/resize,w_60"
    settings = ("<ImageSettings><SourceImageProtection>true</SourceImageProtection><ProtectedSuffixes>"
                "<Suffix>.jpg</Suffix></ProtectedSuffixes><SuffixCaseInsensitive>false</SuffixCaseInsensitive>"
                "<StyleSeparators><Separator>-</Separator></StyleSeparators></ImageSettings>")
    assert s.put(base + b + "?imageSettings", headers=console, data=settings).status_code == 200
    assert "<Suffix>.jpg</Suffix>" in s.get(base + b + "?imageSettings", headers=console).text
    bucket.put_object("p.jpg", example_jpg)
    # A stored page cannot script the console's origin: objects are served sandboxed.
    bucket.put_object("evil.html", b"<script>fetch('/')</script>", headers={"Content-Type": "text/html"})
    served = bucket.get_object("evil.html").resp.headers
    assert served["content-security-policy"] == "sandbox" and served["x-content-type-options"] == "nosniff"
    # The preview: a signed caller passes protection, as the SDKs do.
    r = s.get(base + b + "/p.jpg?x-oss-process=style/thumb", headers=console)
    assert r.status_code == 200 and Image.open(io.BytesIO(r.content)).size[0] == 60
    assert requests.get(base + b + "/p.jpg").status_code == 403
    assert s.delete(base + b + "?style&styleName=thumb", headers=console).status_code == 204
    token = s.cookies.get("cyanotype_console")
    assert s.post(base + "/_console/logout", headers=console).status_code == 204
    assert s.get(base + "/", headers=console).status_code == 403
    # The server forgot the session too: the old cookie, sent again, is anonymous.
    replay = requests.get(base + "/", headers={**console, "cookie": "cyanotype_console=" + token})
    assert replay.status_code == 403


def test_watermark_objects_are_read_with_the_callers_rights(bucket, example_jpg):
    """An anonymous image/watermark,image_<key> may not draw a private object, nor a protected one
    outside a style (a probe drew both); signed callers and the owner's styles may."""
    bucket.put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ)
    bucket.put_object("photo.png", png_of(example_jpg))
    bucket.put_object("secret.jpg", example_jpg, headers={"x-oss-object-acl": "private"})
    bucket.put_object("logo.jpg", example_jpg)
    key = lambda k: base64.urlsafe_b64encode(k.encode()).decode().rstrip("=")
    wm = lambda k: "image/resize,w_300/watermark,image_%s" % key(k)
    url = bucket._make_url(bucket.bucket_name, "photo.png")
    anon = requests.get(url, params={"x-oss-process": wm("secret.jpg")})
    assert anon.status_code == 403 and "<Code>AccessDenied</Code>" in anon.text
    assert requests.get(url, params={"x-oss-process": wm("logo.jpg")}).status_code == 200
    assert bucket.get_object("photo.png", process=wm("secret.jpg")).read()[:4] == b"\x89PNG"
    # Through a symlink the target is drawn, and must be readable too (the link itself is public).
    bucket.put_symlink("logo.jpg", "logo-link.jpg")
    bucket.put_symlink("secret.jpg", "secret-link.jpg")
    drawn = bucket.get_object("photo.png", process=wm("logo-link.jpg")).read()
    assert drawn == bucket.get_object("photo.png", process=wm("logo.jpg")).read()
    assert drawn != bucket.get_object("photo.png", process="image/resize,w_300").read()
    anon = requests.get(url, params={"x-oss-process": wm("secret-link.jpg")})
    assert anon.status_code == 403 and "<Code>AccessDenied</Code>" in anon.text
    settings = ("<ImageSettings><SourceImageProtection>true</SourceImageProtection><ProtectedSuffixes>"
                "<Suffix>.jpg</Suffix></ProtectedSuffixes></ImageSettings>")
    bucket._Bucket__do_bucket("PUT", data=settings, params={"imageSettings": ""})
    assert requests.get(url, params={"x-oss-process": wm("logo.jpg")}).status_code == 403
    bucket.put_bucket_style("marked", wm("logo.jpg"))
    assert requests.get(url, params={"x-oss-process": "style/marked"}).status_code == 200


def png_of(jpeg_bytes):
    out = io.BytesIO()
    Image.open(io.BytesIO(jpeg_bytes)).save(out, format="PNG")
    return out.getvalue()
