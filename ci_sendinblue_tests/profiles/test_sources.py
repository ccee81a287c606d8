"""The profiles reader refuses files it would otherwise read wrong, naming the file and what to do."""

from __future__ import annotations

import pytest

from ci_sendinblue.profiles.sources import ProfilesFileError, read_profile_columns, read_profiles


def test_a_nul_byte_is_refused_not_cut_short(tmp_path):
    path = tmp_path / "profiles.csv"
    path.write_bytes(b'Id,Name\n1,"An\x00n"\n')
    with pytest.raises(ProfilesFileError, match=r"profiles\.csv contains a NUL byte \(byte 13\)"):
        read_profiles(path)


def test_a_utf16_file_is_refused_at_the_header(tmp_path):
    path = tmp_path / "profiles.csv"
    path.write_bytes("Id,Name\n1,Ann\n".encode("utf-16-le"))
    with pytest.raises(ProfilesFileError, match="UTF-16"):
        read_profile_columns(path)


def test_a_repeated_column_name_is_refused(tmp_path):
    path = tmp_path / "profiles.csv"
    path.write_text("Id,Email,Email\n1,a@example.com,b@example.com\n")
    with pytest.raises(ProfilesFileError, match="more than one column named 'Email'"):
        read_profiles(path)
    with pytest.raises(ProfilesFileError, match="more than one column named 'Email'"):
        read_profile_columns(path)


def test_a_latin1_file_is_told_to_be_saved_as_utf8(tmp_path):
    path = tmp_path / "profiles.csv"
    path.write_bytes("Id,Name\n1,Müller\n".encode("latin-1"))
    with pytest.raises(ProfilesFileError, match=r'not a UTF-8 CSV file.*save it as "CSV UTF-8"'):
        read_profiles(path)


def test_a_byte_order_mark_is_not_part_of_the_first_column(tmp_path):
    path = tmp_path / "profiles.csv"
    path.write_bytes(b"\xef\xbb\xbfId,Name\n1,Ann\n")
    assert read_profile_columns(path) == ["Id", "Name"]
    assert read_profiles(path).to_dict("records") == [{"Id": "1", "Name": "Ann"}]
