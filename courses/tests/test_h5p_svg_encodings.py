"""The H5P policy's SVG check read the file as UTF-8 (or UTF-16 when it started with a BOM
or a NUL), while browsers follow the XML encoding rules: an SVG in UTF-16BE without a BOM
(first bytes 00 3C 00 3F) or in UTF-32 passed the check with a script inside (found by
the review after issue 11). SVGs must now be UTF-8 or a single-byte encoding they
declare."""

from __future__ import annotations

import pytest

from courses.packages.h5p.policy import svg_problems

SVG = (
    '<?xml version="1.0" encoding="{encoding}"?>'
    '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>'
)


@pytest.mark.parametrize(
    ("encoding", "codec"),
    [("UTF-16BE", "utf-16-be"), ("UTF-16", "utf-16"), ("UTF-32", "utf-32"), ("UTF-7", "utf-7")],
)
def test_a_script_in_another_encoding_is_found(encoding, codec):
    payload = SVG.format(encoding=encoding).encode(codec)
    assert svg_problems(payload), f"{encoding} SVG with a <script> passed the check"


@pytest.mark.parametrize(
    ("encoding", "codec"),
    [("UTF-8", "utf-8"), ("utf-8", "utf-8-sig"), ("ISO-8859-1", "latin-1")],
)
def test_plain_images_in_ordinary_encodings_pass(encoding, codec):
    plain = (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        '<svg xmlns="http://www.w3.org/2000/svg"><title>Caf\u00e9</title><rect/></svg>'
    )
    assert svg_problems(plain.encode(codec)) == []
    script = plain.replace("<rect/>", "<script>x()</script>")
    assert svg_problems(script.encode(codec)) == ["script"]
