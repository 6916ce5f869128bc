"""Writes the small REFI-QDA files beside this script, each in the shape one producer writes (invented text)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

# -- NVivo for Windows: Sources/, a .txt with a UTF-8 BOM and CRLF, offsets in UTF-16 code units with CRLF as 2
NVIVO_TEXT = (
    "Interviewer: How did the drop-in change things?\r\n\r\n"
    "Priya: I come every week now 😀 and bring my neighbour.\r\n\r\n"
    "Interviewer: Anything else?\r\n\r\n"
    "Priya: The café 🍰 feels safe; staff know my name.\r\nThey ask after my son.\r\n"
)
NVIVO_SOURCE = "0b6f2a3c-1d4e-4f5a-8b9c-0d1e2f3a4b5c"


def utf16_units(text: str, phrase: str) -> tuple[int, int]:
    """Where `phrase` sits in `text`, counted as NVivo counts: UTF-16 code units, CRLF as two, no BOM."""
    start = text.index(phrase)
    before = len(text[:start].encode("utf-16-le")) // 2
    return before, before + len(phrase.encode("utf-16-le")) // 2


def nvivo_selection(guid: str, phrase: str, code: str, coding_guid: str, user: str) -> str:
    start, end = utf16_units(NVIVO_TEXT, phrase)
    return f"""
      <PlainTextSelection guid="{guid}" name="" startPosition="{start}" endPosition="{end}" creatingUser="{user}" creationDateTime="2025-03-01T10:00:00Z">
        <Description />
        <Coding guid="{coding_guid}" creatingUser="{user}" creationDateTime="2025-03-01T10:00:00Z">
          <CodeRef targetGUID="{code}" />
        </Coding>
      </PlainTextSelection>"""


def nvivo() -> bytes:
    u1, u2 = "7a1b2c3d-0000-4000-8000-000000000001", "7a1b2c3d-0000-4000-8000-000000000002"
    attend, social, safe = (
        "c0de0001-0000-4000-8000-000000000001",
        "c0de0001-0000-4000-8000-000000000002",
        "c0de0001-0000-4000-8000-000000000003",
    )
    sels = "".join(
        [
            nvivo_selection(
                "5e100001-0000-4000-8000-000000000001",
                "I come every week now 😀 and bring my neighbour.",
                attend,
                "c0d10001-0000-4000-8000-000000000001",
                u1,
            ),
            # NVivo writes one selection per code, so the same span appears twice with different codes.
            nvivo_selection(
                "5e100001-0000-4000-8000-000000000002",
                "I come every week now 😀 and bring my neighbour.",
                social,
                "c0d10001-0000-4000-8000-000000000002",
                u2,
            ),
            nvivo_selection(
                "5e100001-0000-4000-8000-000000000003",
                "feels safe; staff know my name.\r\nThey ask after my son.",
                safe,
                "c0d10001-0000-4000-8000-000000000003",
                u2,
            ),
        ]
    )
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" name="Untitled" origin="NVivo for Windows 12.6" creatingUserGUID="{u1}" creationDateTime="2025-03-01T09:00:00Z" basePath="" xmlns="urn:QDA-XML:project:1.0">
  <Users>
    <User guid="{u1}" name="Rosa" />
    <User guid="{u2}" name="Dev" />
  </Users>
  <CodeBook>
    <Codes>
      <Code guid="{attend}" name="1. Taking part – Részvétel" isCodable="true">
        <Description>Coming back, and bringing others.
</Description>
        <Code guid="{social}" name="bringing others" isCodable="true" />
      </Code>
      <Code guid="{safe}" name="Feeling safe" isCodable="true" />
    </Codes>
  </CodeBook>
  <Sources>
    <TextSource guid="{NVIVO_SOURCE}" name="drop-in interview" richTextPath="internal://{NVIVO_SOURCE}.docx" plainTextPath="internal://{NVIVO_SOURCE}.txt" creatingUser="{u1}" creationDateTime="2025-03-01T09:30:00Z">
      <Description />{sels}
    </TextSource>
  </Sources>
  <Description />
</Project>"""
    return zip_of(
        {
            "project.qde": qde.replace("\n", "\r\n"),
            f"Sources/{NVIVO_SOURCE}.txt": b"\xef\xbb\xbf" + NVIVO_TEXT.encode("utf-8"),
        }
    )


# -- NVivo for Mac: sources/ with an empty sources/.root, LF text, still UTF-16 offsets
MAC_TEXT = "Facilitator: What helped?\n\nSam: Peer mentors 👩🏽‍🤝‍👩🏻 who had been there.\n"


def nvivo_mac() -> bytes:
    start, end = utf16_units(MAC_TEXT, "who had been there.")
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Mac study" origin="NVivo for Mac 12.2">
  <CodeBook><Codes><Code guid="c0de0002-0000-4000-8000-000000000001" name="Lived experience" isCodable="true" /></Codes></CodeBook>
  <Sources>
    <TextSource guid="0b6f2a3c-0000-4000-8000-00000000000a" name="mentor group" plainTextPath="internal://mentor.txt">
      <PlainTextSelection guid="5e100002-0000-4000-8000-000000000001" name="" startPosition="{start}" endPosition="{end}">
        <Coding guid="c0d10002-0000-4000-8000-000000000001"><CodeRef targetGUID="c0de0002-0000-4000-8000-000000000001" /></Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>"""
    return zip_of({"project.qde": qde, "sources/.root": b"", "sources/mentor.txt": MAC_TEXT})


# -- ATLAS.ti (recent, Windows): the XML is named after the project; upper-case GUIDs; flat 'A::B' code names;
#    code points; selection names are the text, long ones cut with '…'; sets, links, notes, media and a PDF
#    whose text selection reuses the GUID of its area selection.
ATLAS_TEXT = "Ana: At first 🤔 I didn't trust the hub.\nAna: After the naïve questions stopped, I went back twice a week.\n"


def atlas() -> bytes:
    def cp(phrase: str) -> tuple[int, int]:
        start = ATLAS_TEXT.index(phrase)
        return start, start + len(phrase)

    s1, e1 = cp("I didn't trust the hub.")
    s2, e2 = cp("After the naïve questions stopped, I went back twice a week.")
    pdf_text = "Attendance rose from 12 to 31 across the year."
    qde = f"""<?xml version="1.0" encoding="utf-8" standalone="yes"?>
<Project xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:QDA-XML:project:1.0 http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd" origin="ATLAS.ti for Windows 26.0.1" name="Hub study" creatingUserGUID="088B08AC-0000-4ADB-8B71-000000000001" xmlns="urn:QDA-XML:project:1.0">
  <Users>
    <User guid="088B08AC-0000-4ADB-8B71-000000000001" name="Lena" />
    <User guid="C32A2BD5-537F-4838-8B17-DF9EFBAFDF4B" name="ATLAS.ti" />
  </Users>
  <CodeBook>
    <Codes>
      <Code guid="A182CD3A-0000-4D8C-BC80-000000000001" name="Trust::early doubt" isCodable="true" color="#DC0000">
        <Description>before the first visit</Description>
      </Code>
      <Code guid="A182CD3A-0000-4D8C-BC80-000000000002" name="Trust::won over" isCodable="true" color="#46AA00" />
      <Code guid="A182CD3A-0000-4D8C-BC80-000000000003" name="Trust" isCodable="true" color="#966450" />
      <Code guid="A182CD3A-0000-4D8C-BC80-000000000004" name="Reach::numbers" isCodable="true" />
    </Codes>
  </CodeBook>
  <Sources>
    <TextSource guid="51AD8E46-0000-4E6B-AFE7-000000000001" name="Ana.txt" plainTextPath="internal://51AD8E46-0000-4E6B-AFE7-000000000001.txt" richTextPath="internal://51AD8E46-0000-4E6B-AFE7-000000000002.docx" creatingUser="088B08AC-0000-4ADB-8B71-000000000001">
      <PlainTextSelection guid="4191294A-0000-4510-95B0-000000000001" name="I didn't trust the hub." startPosition="{s1}" endPosition="{e1}" creatingUser="088B08AC-0000-4ADB-8B71-000000000001" creationDateTime="2024-11-02T10:00:00Z">
        <Coding guid="445A6AEC-0000-4502-919D-000000000001" creatingUser="088B08AC-0000-4ADB-8B71-000000000001"><CodeRef targetGUID="A182CD3A-0000-4D8C-BC80-000000000001" /></Coding>
        <NoteRef targetGUID="CE15250D-0000-42C2-B90F-000000000001" />
      </PlainTextSelection>
      <PlainTextSelection guid="4191294A-0000-4510-95B0-000000000002" name="After the naïve questions stopped, I went back…" startPosition="{s2}" endPosition="{e2}" creatingUser="088B08AC-0000-4ADB-8B71-000000000001">
        <Coding guid="445A6AEC-0000-4502-919D-000000000002" creatingUser="088B08AC-0000-4ADB-8B71-000000000001"><CodeRef targetGUID="A182CD3A-0000-4D8C-BC80-000000000002" /></Coding>
      </PlainTextSelection>
    </TextSource>
    <TextSource guid="51AD8E46-0000-4E6B-AFE7-000000000003" name="Missing.docx" plainTextPath="internal://not-in-the-archive.txt" richTextPath="internal://not-in-the-archive.docx" />
    <PictureSource guid="02255470-0000-400B-9E20-000000000001" name="poster.jpg" path="internal://poster.jpg">
      <PictureSelection guid="02255470-0000-400B-9E20-000000000002" name="poster" firstX="1" firstY="1" secondX="20" secondY="20">
        <Coding guid="445A6AEC-0000-4502-919D-000000000003"><CodeRef targetGUID="A182CD3A-0000-4D8C-BC80-000000000003" /></Coding>
      </PictureSelection>
    </PictureSource>
    <PDFSource guid="2065D8AB-0000-40C9-B4E9-000000000001" name="Annual report.pdf" path="internal://report.pdf">
      <PDFSelection guid="95916796-0000-4B49-80B0-000000000001" name="from 12 to 31" page="0" firstX="18" firstY="45" secondX="577" secondY="234">
        <Representation guid="7CFEDFC8-0000-4F27-B3E0-000000000001"><PlainTextContent>from 12 to 31</PlainTextContent></Representation>
        <Coding guid="445A6AEC-0000-4502-919D-000000000004"><CodeRef targetGUID="A182CD3A-0000-4D8C-BC80-000000000004" /></Coding>
      </PDFSelection>
      <Representation guid="142EB46D-0000-4E6B-AFE7-000000000001" name="Representation_for_Annual report.pdf">
        <PlainTextContent>{pdf_text}</PlainTextContent>
        <PlainTextSelection guid="95916796-0000-4B49-80B0-000000000001" name="from 12 to 31" startPosition="{pdf_text.index("from")}" endPosition="{pdf_text.index(" across")}">
          <Coding guid="445A6AEC-0000-4502-919D-000000000005"><CodeRef targetGUID="A182CD3A-0000-4D8C-BC80-000000000004" /></Coding>
        </PlainTextSelection>
      </Representation>
    </PDFSource>
    <AudioSource guid="DA744775-0000-46D3-8B26-000000000001" name="Ana.m4a" path="relative:///Ana.m4a" />
    <VideoSource guid="9D260347-0000-4161-89F7-000000000001" name="Open day.mp4" path="relative:///Open day.mp4" />
  </Sources>
  <Notes>
    <Note guid="CE15250D-0000-42C2-B90F-000000000001" name="Doubt" creatingUser="088B08AC-0000-4ADB-8B71-000000000001" creationDateTime="2024-11-02T10:05:00Z">
      <PlainTextContent>She said this twice. </PlainTextContent>
    </Note>
    <Note guid="CE15250D-0000-42C2-B90F-000000000002" name="Plan">
      <PlainTextContent>Follow up in spring.</PlainTextContent>
    </Note>
  </Notes>
  <Links>
    <Link guid="7B56978E-0000-4D9F-B4EC-000000000001" name="Memo-Quotation Relation" direction="OneWay" originGUID="CE15250D-0000-42C2-B90F-000000000002" targetGUID="4191294A-0000-4510-95B0-000000000002" />
  </Links>
  <Sets>
    <Set guid="ECA18D76-0000-4F26-BC1D-000000000001" name="Trust codes"><MemberCode targetGUID="A182CD3A-0000-4D8C-BC80-000000000001" /></Set>
  </Sets>
</Project>"""
    return zip_of({"Hub study.qde": qde, "sources/51AD8E46-0000-4E6B-AFE7-000000000001.txt": ATLAS_TEXT})


# -- An older project namespace (urn:QDA-XML:project:0:10), a bare .qde with its text inline
OLD_NS = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:0:10" name="Old namespace" origin="ATLAS.ti 8.4.0 (macOS)">
  <CodeBook><Codes><Code guid="{C0DE0003-0000-4000-8000-000000000001}" name="Waiting" isCodable="true" /></Codes></CodeBook>
  <Sources>
    <TextSource guid="0B6F2A3C-0000-4000-8000-00000000000B" name="note">
      <PlainTextContent>Kim: We waited six weeks.</PlainTextContent>
      <PlainTextSelection guid="5E100003-0000-4000-8000-000000000001" name="We waited six weeks." startPosition="5" endPosition="25">
        <Coding guid="C0D10003-0000-4000-8000-000000000001"><CodeRef targetGUID="C0DE0003-0000-4000-8000-000000000001" /></Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>
"""

# -- ATLAS.ti codebook: namespace codebook:1:0 (colon form), schemaLocation naming 0:4, a code set
ATLAS_QDC = """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:QDA-XML:codebook:0:4 Codebook.xsd" origin="ATLAS.ti Win 23.4.0" xmlns="urn:QDA-XML:codebook:1:0">
  <Codes>
    <Code guid="1FF58B12-0000-4B0C-8BE5-000000000001" name="Belonging" color="#46AA00" isCodable="true">
      <Description>feeling part of the group</Description>
    </Code>
    <Code guid="1FF58B12-0000-4B0C-8BE5-000000000002" name="Belonging::first names" isCodable="true" />
  </Codes>
  <Sets>
    <Set name="group 1" guid="ECA18D76-0000-4F26-BC1D-000000000002">
      <Description>kategorie 1</Description>
      <MemberCode guid="1FF58B12-0000-4B0C-8BE5-000000000001" />
    </Set>
  </Sets>
</CodeBook>
"""

# -- Taguette: one line, flat names with dots (not hierarchy), no descriptions, an empty <Sets/>
TAGUETTE_QDC = (
    '<?xml version="1.0" encoding="utf-8"?>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="Taguette 1.5.2">'
    "<Codes>"
    '<Code guid="95AA7BAA-0000-5F80-9AEB-000000000001" name="access" isCodable="true"/>'
    '<Code guid="95AA7BAA-0000-5F80-9AEB-000000000002" name="access.transport" isCodable="true"/>'
    '<Code guid="95AA7BAA-0000-5F80-9AEB-000000000003" name="crèche &amp; care" isCodable="true"/>'
    "</Codes><Sets/></CodeBook>"
)


def zip_of(members: dict[str, str | bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))  # same bytes on every run
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


FILES = {
    "nvivo-windows.qdpx": nvivo,
    "nvivo-mac.qdpx": nvivo_mac,
    "atlasti-named-qde.qdpx": atlas,
    "project-ns-0-10.qde": lambda: OLD_NS.encode("utf-8"),
    "atlasti-codebook.qdc": lambda: ATLAS_QDC.encode("utf-8"),
    "taguette-codebook.qdc": lambda: TAGUETTE_QDC.encode("utf-8"),
}


def main() -> None:
    for name, make in FILES.items():
        (HERE / name).write_bytes(make())


if __name__ == "__main__":
    main()
