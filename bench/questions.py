"""Question-bank bench (issue 13, "Speed"): imports over the real corpora and a generated
5,000-question Moodle XML file.

Run with ``make bench-questions``. Works on a throw-away SQLite database and media folder
(nothing of the dev database is touched) and prints:

- per corpus (``../shared/corpora/moodlexml``, ``gift``, ``qti``): each file with the
  questions read and refused, the time to read it, and the totals: the import rate of the
  corpus (questions read / questions read + refused) and questions per second;
- the generated Moodle XML file (``BENCH_QUESTIONS``, default 5,000, of every core type
  the platform imports, with categories and an embedded image every 50 questions): its
  size, the time to import it into a bank through the same service as the admin and
  ``questions_import`` (parse, validate, store every question and version), questions per
  second, peak Python memory (tracemalloc) and the process's peak resident size.

``LMS_MOODLEXML_CORPUS`` / ``LMS_GIFT_CORPUS`` / ``LMS_QTI_CORPUS`` point at other folders.
"""

from __future__ import annotations

import base64
import io
import os
import resource
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"
FOLDERS = {
    "moodlexml": Path(os.environ.get("LMS_MOODLEXML_CORPUS", str(CORPORA / "moodlexml"))),
    "gift": Path(os.environ.get("LMS_GIFT_CORPUS", str(CORPORA / "gift"))),
    "qti": Path(os.environ.get("LMS_QTI_CORPUS", str(CORPORA / "qti"))),
}
SUFFIXES = {"moodlexml": (".xml",), "gift": (".gift", ".txt"), "qti": (".xml", ".zip")}
QUESTIONS = int(os.environ.get("BENCH_QUESTIONS", "5000"))

# A throw-away database and media folder, before Django reads its settings.
from common import throwaway_sqlite_django  # noqa: E402

WORK = throwaway_sqlite_django("lms-bench-questions-")

from django.core.management import call_command  # noqa: E402


def kib(size: float) -> str:
    return f"{size / 1024:.1f} KiB"


def read_file(fmt: str, path: Path):
    """Parse one corpus file the way an upload is parsed; the parse result."""
    from assessments import portability

    data = path.read_bytes()
    parse_bytes = getattr(portability, "parse_bytes", None)
    if parse_bytes is not None:
        return parse_bytes(data, path.name)
    text = data.decode("utf-8", errors="replace")
    return portability.parse(text, portability.detect_format(text, path.name))


def corpus(fmt: str) -> tuple[int, int]:
    from assessments.grading import validate_question

    folder = FOLDERS[fmt]
    paths = sorted(p for p in folder.glob("*") if p.suffix.lower() in SUFFIXES[fmt])
    print(f"\n== {fmt} corpus: {len(paths)} files in {folder} ==")
    read_total = refused_total = 0
    elapsed_total = 0.0
    for path in paths:
        start = time.perf_counter()
        try:
            result = read_file(fmt, path)
        except Exception as error:
            print(f"  CRASH    {path.name}: {type(error).__name__}: {error}")
            continue
        good = [q for q in result.questions if not validate_question(q.type, q.data)]
        elapsed = time.perf_counter() - start
        elapsed_total += elapsed
        refused = len(result.errors) + len(result.questions) - len(good)
        read_total += len(good)
        refused_total += refused
        print(
            f"  {len(good):4d} read {refused:4d} refused {elapsed * 1000:7.1f} ms "
            f"{kib(path.stat().st_size):>11}  {path.name}"
        )
    seen = read_total + refused_total
    rate = f"{100 * read_total / seen:.1f} %" if seen else "-"
    speed = f"{read_total / elapsed_total:.0f} questions/s" if elapsed_total else "-"
    print(f"{fmt}: {read_total} questions read, {refused_total} refused ({rate} read), {speed}")
    return read_total, refused_total


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 90, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


def generated_moodlexml(count: int) -> str:
    """A Moodle XML file of ``count`` questions of every core type the platform imports,
    in categories of 250, written here (not from any real bank)."""
    image = base64.b64encode(_png()).decode()
    templates = [
        """<question type="multichoice"><name><text>Seal check {n}</text></name>
<questiontext format="html"><text><![CDATA[<p>Which seal number matches the manifest
of container {n}?</p>]]></text></questiontext><defaultgrade>1</defaultgrade>
<penalty>0.3333333</penalty><single>true</single><shuffleanswers>1</shuffleanswers>
<answernumbering>abc</answernumbering>
<answer fraction="100" format="html"><text>PE-{n:06d}</text><feedback format="html">
<text>Right.</text></feedback></answer>
<answer fraction="0" format="html"><text>PE-{m:06d}</text><feedback format="html">
<text>Compare every digit.</text></feedback></answer>
<answer fraction="0" format="html"><text>PA-{n:06d}</text><feedback format="html">
<text>Wrong prefix.</text></feedback></answer></question>""",
        """<question type="truefalse"><name><text>Transshipment {n}</text></name>
<questiontext format="html"><text><![CDATA[<p>Goods only transshipped in a free zone
change their origin ({n}).</p>]]></text></questiontext><defaultgrade>1</defaultgrade>
<answer fraction="0" format="moodle_auto_format"><text>true</text><feedback format="html">
<text>No: transshipment confers no origin.</text></feedback></answer>
<answer fraction="100" format="moodle_auto_format"><text>false</text>
<feedback format="html"><text>Right.</text></feedback></answer></question>""",
        """<question type="shortanswer"><name><text>HS heading {n}</text></name>
<questiontext format="html"><text><![CDATA[<p>Type the HS subheading of
item {n}.</p>]]></text></questiontext><defaultgrade>1</defaultgrade><usecase>0</usecase>
<answer fraction="100" format="moodle_auto_format"><text>8471.30</text>
<feedback format="html"><text>Right.</text></feedback></answer>
<answer fraction="50" format="moodle_auto_format"><text>8471*</text>
<feedback format="html"><text>Right heading, check the subheading.</text></feedback>
</answer></question>""",
        """<question type="numerical"><name><text>Gross weight {n}</text></name>
<questiontext format="html"><text><![CDATA[<p>Declared gross weight of
container {n}?</p>]]></text></questiontext><defaultgrade>2</defaultgrade>
<answer fraction="100" format="moodle_auto_format"><text>{w}</text><tolerance>5</tolerance>
<feedback format="html"><text>Right.</text></feedback></answer>
<units><unit><multiplier>1</multiplier><unit_name>kg</unit_name></unit>
<unit><multiplier>0.001</multiplier><unit_name>t</unit_name></unit></units>
<unitgradingtype>2</unitgradingtype><unitpenalty>0.1</unitpenalty><showunits>0</showunits>
<unitsleft>0</unitsleft></question>""",
        """<question type="match"><name><text>Documents {n}</text></name>
<questiontext format="html"><text><![CDATA[<p>Match each document to what it
proves ({n}).</p>]]></text></questiontext><defaultgrade>1</defaultgrade>
<shuffleanswers>true</shuffleanswers>
<subquestion format="html"><text>Bill of lading</text><answer><text>Carriage</text>
</answer></subquestion>
<subquestion format="html"><text>Certificate of origin</text><answer><text>Origin</text>
</answer></subquestion>
<subquestion format="html"><text>Commercial invoice</text><answer><text>Value</text>
</answer></subquestion></question>""",
        """<question type="essay"><name><text>Integrity case {n}</text></name>
<questiontext format="html"><text><![CDATA[<p>Describe how you would report the offer
of a gift in case {n}.</p>]]></text></questiontext><defaultgrade>5</defaultgrade>
<responseformat>editor</responseformat><responserequired>1</responserequired>
<responsefieldlines>10</responsefieldlines><minwordlimit>50</minwordlimit>
<maxwordlimit>300</maxwordlimit><attachments>0</attachments>
<attachmentsrequired>0</attachmentsrequired>
<graderinfo format="html"><text>Reporting channel named.</text></graderinfo>
<responsetemplate format="html"><text></text></responsetemplate></question>""",
        """<question type="description"><name><text>Case file {n}</text></name>
<questiontext format="html"><text><![CDATA[<p>Read the case file of
consignment {n}.</p>]]></text></questiontext><defaultgrade>0</defaultgrade></question>""",
        """<question type="multichoice"><name><text>Red flags {n}</text></name>
<questiontext format="html"><text><![CDATA[<p>Which are red flags of origin
laundering ({n})? <img src="@@PLUGINFILE@@/seal{n}.png" alt="seal"></p>]]></text>
<file name="seal{n}.png" path="/" encoding="base64">{image}</file></questiontext>
<defaultgrade>1</defaultgrade><single>false</single><shuffleanswers>1</shuffleanswers>
<answer fraction="50"><text>Minimal processing in a free zone</text></answer>
<answer fraction="50"><text>New certificate of origin after transshipment</text></answer>
<answer fraction="-100"><text>Goods shipped directly</text></answer></question>""",
    ]
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<quiz>']
    for n in range(count):
        if n % 250 == 0:
            parts.append(
                '<question type="category"><category><text>$course$/top/Bench/'
                f"Part {n // 250 + 1}</text></category></question>"
            )
        template = templates[n % len(templates)]
        if "{image}" in template and n % 50 != 7:
            template = templates[0]
        parts.append(template.format(n=n, m=n + 1, w=1000 + n, image=image))
    parts.append("</quiz>\n")
    return "\n".join(parts)


def generated_import() -> None:
    from assessments.models import Question, QuestionBank
    from assessments.portability import questions_import

    text = generated_moodlexml(QUESTIONS)
    bank = QuestionBank.objects.create(title="Bench bank")
    print(f"\n== generated Moodle XML: {QUESTIONS} questions, {kib(len(text.encode()))} ==")
    tracemalloc.start()
    start = time.perf_counter()
    report = questions_import(actor=None, bank=bank, text=text, fmt="moodlexml", skip_bad=True)
    elapsed = time.perf_counter() - start
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    stored = Question.objects.filter(bank=bank).count()
    print(
        f"imported {report.imported}, refused {len(report.rejected)}, stored {stored} "
        f"in {elapsed:.1f} s: {report.imported / elapsed:.0f} questions/s"
    )
    for line, reason in report.rejected[:5]:
        print(f"  refused line {line}: {reason}")
    print(f"peak Python memory {peak / 2**20:.1f} MiB (tracemalloc)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak resident size of the process {rss / 1024:.0f} MiB")


def main() -> None:
    call_command("migrate", verbosity=0)
    print(f"database and media: {WORK} (throw-away)")
    totals = {fmt: corpus(fmt) for fmt in FOLDERS if FOLDERS[fmt].is_dir()}
    print()
    for fmt, (read, refused) in totals.items():
        seen = read + refused
        print(
            f"{fmt}: {read} of {seen} questions read"
            + (f" ({100 * read / seen:.1f} %)" if seen else "")
        )
    generated_import()


if __name__ == "__main__":
    main()
