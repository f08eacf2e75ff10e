"""Staff patient search and the patient list's pages (patients.selectors), on SQLite and
on PostgreSQL, where the same queries run on the trigram indexes of migration 0003."""

import datetime

import pytest
from django.db import connection

from patientportal.patients.models import Patient
from patientportal.patients.selectors import (
    PatientQuery,
    SearchKind,
    patient_page,
    patient_query,
    patients_matching,
)
from tests.factories import PatientFactory

K = SearchKind


@pytest.mark.parametrize(
    ("text", "meaning"),
    [
        ("", PatientQuery(K.NONE)),
        ("   ", PatientQuery(K.NONE)),
        ("  Ana   Ruiz ", PatientQuery(K.NAME, words=("Ana", "Ruiz"))),
        ("a b c d e f g", PatientQuery(K.NAME, words=("a", "b", "c", "d", "e"))),
        ("Ana.Ruiz@Example.com", PatientQuery(K.EMAIL, text="Ana.Ruiz@Example.com")),
        ("@example", PatientQuery(K.EMAIL, text="@example")),
        ("+1 (555) 010-0199", PatientQuery(K.PHONE, text="15550100199")),
        ("555.0199", PatientQuery(K.PHONE, text="5550199")),
        ("0199", PatientQuery(K.PHONE, text="0199")),
        ("12", PatientQuery(K.NAME, words=("12",))),  # too few digits to be a phone number
        ("1980-05-17", PatientQuery(K.DATE_OF_BIRTH, day=datetime.date(1980, 5, 17))),
        ("1980-5-7", PatientQuery(K.DATE_OF_BIRTH, day=datetime.date(1980, 5, 7))),
        ("5/17/1980", PatientQuery(K.DATE_OF_BIRTH, day=datetime.date(1980, 5, 17))),
        ("05/07/1980", PatientQuery(K.DATE_OF_BIRTH, day=datetime.date(1980, 5, 7))),
    ],
)
def test_what_a_search_means(text, meaning):
    assert patient_query(text) == meaning


@pytest.fixture
def people(world):
    """Patients of Alpha Clinic to find, and a namesake in Beta Clinic who must never be found."""
    return {
        "ana": PatientFactory(
            clinic=world.clinic_a,
            first_name="Ana",
            last_name="Ruiz",
            email="ana.ruiz@example.com",
            phone="+1 (555) 010-0199",
            date_of_birth=datetime.date(1961, 2, 3),
        ),
        "joanne": PatientFactory(
            clinic=world.clinic_a,
            first_name="Joanne",
            last_name="Smith-Jones",
            email="jo@mail.example",
            phone="555 0123",
            date_of_birth=datetime.date(1975, 11, 30),
        ),
        "li": PatientFactory(clinic=world.clinic_a, first_name="Li", last_name="Wu", email="", phone=""),
        "zoe": PatientFactory(clinic=world.clinic_a, first_name="Zoë", last_name="Adams"),
        "namesake": PatientFactory(
            clinic=world.clinic_b,
            first_name="Ana",
            last_name="Ruiz",
            email="ana.ruiz@example.com",
            phone="+1 (555) 010-0199",
            date_of_birth=datetime.date(1961, 2, 3),
        ),
    }


def found(world, text, *, clinic=None):
    page = patient_page(clinic=clinic or world.clinic_a, query=patient_query(text), size=50)
    return {f"{patient.first_name} {patient.last_name}" for patient in page.patients}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "names"),
    [
        # Names: every word must match the first or the last name, case aside.
        ("ruiz", {"Ana Ruiz"}),
        ("RUIZ", {"Ana Ruiz"}),
        ("rui", {"Ana Ruiz"}),  # the beginning of a name
        ("uiz", {"Ana Ruiz"}),  # three letters or more may be anywhere in it
        ("jones", {"Joanne Smith-Jones"}),
        ("ana ruiz", {"Ana Ruiz"}),
        ("ruiz ana", {"Ana Ruiz"}),
        ("ana wu", set()),
        ("wu", {"Li Wu"}),  # a short word starts a name…
        ("li", {"Li Wu"}),
        ("iz", set()),  # …and is not looked for inside one ("Ruiz")
        ("a", {"Ana Ruiz", "Zoë Adams"}),
        ("zoë", {"Zoë Adams"}),
        # Email addresses, or their beginnings with the @, case aside.
        ("ana.ruiz@example.com", {"Ana Ruiz"}),
        ("ANA.RUIZ@EXAMPLE.COM", {"Ana Ruiz"}),
        ("ana.ruiz@", {"Ana Ruiz"}),
        ("jo@mail", {"Joanne Smith-Jones"}),
        ("ruiz@example.com", set()),  # not the beginning of an address
        ("@mail.example", set()),
        # Phone numbers: the digits, with or without the punctuation either side typed.
        ("5550100199", {"Ana Ruiz"}),
        ("555-010-0199", {"Ana Ruiz"}),
        ("(555) 010 0199", {"Ana Ruiz"}),
        ("+1 555.010.0199", {"Ana Ruiz"}),
        ("0100199", {"Ana Ruiz"}),
        ("5550123", {"Joanne Smith-Jones"}),
        ("555", {"Ana Ruiz", "Joanne Smith-Jones"}),
        # Dates of birth, ISO or as written on US forms.
        ("1961-02-03", {"Ana Ruiz"}),
        ("2/3/1961", {"Ana Ruiz"}),
        ("11/30/1975", {"Joanne Smith-Jones"}),
        ("1999-01-01", set()),
    ],
)
def test_search_finds_by_each_kind_in_the_clinic_only(world, people, text, names):
    assert found(world, text) == names


@pytest.mark.django_db
def test_search_never_finds_another_clinics_patients(world, people):
    for text in ("ruiz", "ana.ruiz@example.com", "5550100199", "1961-02-03"):
        assert found(world, text, clinic=world.clinic_b) == {"Ana Ruiz"}
        [patient] = patient_page(clinic=world.clinic_b, query=patient_query(text), size=50).patients
        assert patient == people["namesake"]


@pytest.mark.django_db
def test_the_characters_of_like_patterns_are_searched_for_as_themselves(world, people):
    PatientFactory(clinic=world.clinic_a, first_name="Per_cent", last_name="100%")
    assert found(world, "per_") == {"Per_cent 100%"}
    assert found(world, "00%") == {"Per_cent 100%"}
    assert found(world, "10") == {"Per_cent 100%"}
    assert found(world, "_") == set()


def walk(clinic, query, size):
    """Every page, following Next from the first, then Previous from the last back to the first."""
    forwards = [patient_page(clinic=clinic, query=query, size=size)]
    while forwards[-1].has_next:
        forwards.append(patient_page(clinic=clinic, query=query, size=size, after=forwards[-1].patients[-1].pk))
    backwards = [forwards[-1]]
    while backwards[-1].has_previous:
        backwards.append(patient_page(clinic=clinic, query=query, size=size, before=backwards[-1].patients[0].pk))
    return forwards, backwards


@pytest.mark.django_db
def test_next_and_previous_give_every_patient_once_in_name_order_also_among_namesakes(world):
    # Namesakes (case aside) are told apart by id; Beta Clinic's Lees never show.
    lees = [
        PatientFactory(clinic=world.clinic_a, first_name=first, last_name=last)
        for first, last in [
            ("Sam", "Lee"),
            ("sam", "LEE"),
            ("Sam", "lee"),
            ("Amy", "Lee"),
            ("Sam", "Lee"),
            ("Zed", "Lee"),
        ]
    ]
    others = [
        PatientFactory(clinic=world.clinic_a, first_name="Kim", last_name=name) for name in ("Abe", "Ng", "Ortiz")
    ]
    PatientFactory.create_batch(3, clinic=world.clinic_b, first_name="Sam", last_name="Lee")
    everyone = [*lees, *others, world.p1, world.p2]
    expected = [p.pk for p in sorted(everyone, key=lambda p: (p.last_name.lower(), p.first_name.lower(), p.pk))]

    forwards, backwards = walk(world.clinic_a, patient_query(""), size=4)

    assert [len(page.patients) for page in forwards] == [4, 4, 3]
    assert [p.pk for page in forwards for p in page.patients] == expected
    assert [p.pk for page in reversed(backwards) for p in page.patients] == expected
    assert (forwards[0].has_previous, forwards[-1].has_next) == (False, False)
    assert all(page.has_next for page in forwards[:-1]) and all(page.has_previous for page in forwards[1:])


@pytest.mark.django_db
def test_search_results_are_paged_the_same_way(world):
    lees = [PatientFactory(clinic=world.clinic_a, first_name="Sam", last_name="Lee") for _ in range(7)]
    PatientFactory(clinic=world.clinic_a, first_name="Sam", last_name="Other")
    forwards, backwards = walk(world.clinic_a, patient_query("lee"), size=3)
    assert [p.pk for page in forwards for p in page.patients] == [p.pk for p in lees]
    assert [p.pk for page in reversed(backwards) for p in page.patients] == [p.pk for p in lees]
    assert len(forwards) == 3


@pytest.mark.django_db
def test_a_page_after_another_clinics_patient_is_empty(world):
    page = patient_page(clinic=world.clinic_a, query=patient_query(""), size=10, after=world.pb.pk)
    assert page.patients == []
    page = patient_page(clinic=world.clinic_a, query=patient_query(""), size=10, before=world.pb.pk)
    assert page.patients == []


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram indexes exist on PostgreSQL only")
@pytest.mark.parametrize(
    ("text", "index"),
    [
        ("ruiz", "patient_name_trgm_idx"),
        ("wu", "patient_name_trgm_idx"),
        ("ana.ruiz@example.com", "patient_email_prefix_idx"),
        ("555-010-0199", "patient_phone_trgm_idx"),
    ],
)
def test_on_postgresql_each_kind_of_search_can_use_its_index(world, people, text, index):
    # With only bitmap scans allowed, the planner takes a trigram index if it matches the
    # search's expression at all: this fails when the selectors' SQL and migration 0003
    # drift apart. (On a table this small it would rather read the clinic's rows.)
    patients = patients_matching(Patient.objects.all(), patient_query(text))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = patients.explain()
    assert index in plan, plan
