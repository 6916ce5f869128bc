from qualcode.errors import InputError, ProjectError


def test_error_messages_are_folded_to_one_line():
    assert str(InputError("bad.qdpx: not well-formed XML (Opening and ending tag mismatch\n  line 3)")) == (
        "bad.qdpx: not well-formed XML (Opening and ending tag mismatch line 3)"
    )
    assert str(ProjectError("x.qcdb:\r\nlocked")) == "x.qcdb: locked"
    assert InputError("x").exit_code == 2 and ProjectError("x").exit_code == 1
